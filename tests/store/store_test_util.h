// A store on the fault-injecting file system plus a small deterministic workload of real
// ledger commands (create promotion, import codes, link, redeem, unlink).
#pragma once

#include <gtest/gtest.h>


#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/store/store.h"
#include "tests/support/scratch_dir.h"
#include "wal/fault_fs.h"
#include "wal/format.h"

namespace codeledger::store::testing {

inline constexpr ledger::OrgId kOrg = 7;

inline StoreOptions options_on(wal::FaultFs& fs) {
  StoreOptions o;
  o.data_dir = "/data";
  o.fs = &fs;
  o.wal.segment_bytes_max = 4096;  // several segments in a short test
  o.ledger.shard_count = 8;
  o.orgs.push_back({kOrg, ledger::OrgSettings{}});
  o.clock_ms = [] { return std::int64_t{1'700'000'000'000}; };
  return o;
}

// Every file of /data and its bytes, the lock file aside (taking the lock writes a pid).
inline std::map<std::string, std::string> files_of(wal::FaultFs& fs) {
  std::map<std::string, std::string> out;
  const auto entries = fs.list("/data");
  for (const auto& e : *entries) {
    if (e.name != wal::format::kLockFileName) out[e.name] = fs.contents("/data/" + e.name);
  }
  return out;
}

// Simulates the power cut: the store object dies without touching the disk image.
inline void crash(wal::FaultFs& fs, std::unique_ptr<Store>& store, std::size_t torn = 0) {
  fs.power_off();
  store.reset();
  fs.crash(torn);
  fs.clear_faults();
}

inline std::unique_ptr<Store> open_store(wal::FaultFs& /*fs*/, StoreOptions o) {
  auto s = Store::open(std::move(o));
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : nullptr;
}

// The lines a store logs (StoreOptions::log), from any of its threads. Declare it before
// the store: the store's threads call it until the store is gone.
class LogLines {
 public:
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard lock(mu_);
      lines_.push_back(line);
    };
  }
  std::size_t count(std::string_view part) const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& l : lines_) n += l.find(part) != std::string::npos ? 1 : 0;
    return n;
  }
  std::string all() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& l : lines_) out += l + "\n";
    return out;
  }
  // Up to 10 s for a line containing part (a background thread logs it).
  bool wait_for(std::string_view part) const {
    for (int i = 0; i < 1000 && count(part) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return count(part) > 0;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

using codeledger::testing::ScratchDir;

inline std::string code_name(int i) { return "CODE" + std::to_string(100000 + i); }

// Until the ledger-prefault thread has made its first fill, at most 30 s. The thread runs at
// SCHED_IDLE, only when a vCPU is free: with other test binaries busy on both cores it
// waited over 2 s once (a CI run, session 15).
inline void wait_for_first_prefault_fill(const Store& store) {
  for (int i = 0; i < 3000 && store.stats().prefault_fills == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Drives commands and waits for each to be durable; tracks the state hash of everything
// acknowledged so far.
class Workload {
 public:
  explicit Workload(std::uint32_t seed) : rng_(seed) {}

  ledger::Op op() {
    ledger::Op o;
    o.org = kOrg;
    o.api_key = "test-key";
    o.now_ms = now_ms_ += 1000;
    return o;
  }

  // One command; true when it was acknowledged (applied and durable).
  bool step(Store& s) {
    ledger::Op o = op();
    Status st = run_one(s, o);
    // Business errors (code linked elsewhere, already redeemed) are answers too; only a
    // storage error or a failed wait means "not acknowledged".
    if (st.code() != ErrorCode::kStorageUnavailable) st = s.wait_durable(o.visible_lsn);
    if (!st.ok()) {
      last_error_ = st;
      return false;
    }
    acked_hash_ = s.ledger().state_hash();
    ++acked_;
    return true;
  }

  // Runs until n commands are acknowledged or one fails.
  int run(Store& s, int n) {
    int done = 0;
    while (done < n && step(s)) ++done;
    return done;
  }

  std::uint64_t acked_hash() const { return acked_hash_; }
  int acked() const { return acked_; }
  const Status& last_error() const { return last_error_; }

 private:
  Status run_one(Store& s, ledger::Op& o) {
    ledger::Ledger& l = s.ledger();
    if (!promotion_) {
      ledger::PromotionSpec spec;
      spec.name = "spring sale";
      spec.per_code_redemptions_max = 1;
      auto p = l.create_promotion(o, spec);
      if (!p.ok()) return p.status();
      promotion_ = p->id;
      return Status::Ok();
    }
    if (imported_ < 40) {
      std::vector<std::string> codes;
      for (int i = 0; i < 10; ++i) codes.push_back(code_name(imported_++));
      auto r = l.import_codes(o, *promotion_, codes, {});
      return r.status();
    }
    std::string code = code_name(static_cast<int>(rng_() % imported_));
    ledger::CustomerId customer = 1 + rng_() % 5;
    switch (rng_() % 3) {
      case 0: return l.link_code(o, ledger::Mode::kDiscount, code, customer).status();
      case 1: return l.unlink_code(o, ledger::Mode::kDiscount, code, customer).status();
      default: {
        ledger::RedeemRequest rq;
        rq.customer = customer;
        rq.transaction_identifier = "txn-" + std::to_string(rng_() % 1000);
        rq.amount = 1000;
        ledger::RedemptionItem item;
        item.code = *ledger::CodeKey::make(code);
        item.discount = 100;
        rq.items.push_back(item);
        return l.redeem(o, rq).status();
      }
    }
  }

  std::mt19937 rng_;
  std::int64_t now_ms_ = 1'700'000'000'000;
  std::optional<ledger::ObjectId> promotion_;
  int imported_ = 0;
  int acked_ = 0;
  std::uint64_t acked_hash_ = 0;
  Status last_error_;
};

}  // namespace codeledger::store::testing
