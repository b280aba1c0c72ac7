// Shared set-up for the ledger tests: two organisations, a code-linked and an issuable
// promotion, a recording sink that keeps every staged event as bytes.
#pragma once

#include <algorithm>

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace codeledger::ledger::testing {

inline constexpr OrgId kOrg = 100737;
inline constexpr OrgId kOtherOrg = 100458;
inline constexpr TimeMs kNow = 1'762'841'149'535;
inline constexpr TimeMs kDay = 86'400'000;

class RecordingSink : public EventSink {
 public:
  Status stage(Event& e) override {
    std::lock_guard lock(mu_);
    if (fail_) return Status(ErrorCode::kStorageUnavailable, "storage failed");
    e.header.lsn = ++lsn_;
    e.header.time_ms = std::max(e.header.time_ms, stamp_floor_ms_);  // as the WAL writer may
    std::string bytes;
    encode_event(e, bytes);
    events_.push_back(std::move(bytes));
    return Status::Ok();
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  void set_fail(bool f) {
    std::lock_guard lock(mu_);
    fail_ = f;
  }
  // Stamps records no earlier than this, as the WAL writer stamps a record no earlier than
  // the one before it (wal/writer.h, append).
  void set_stamp_floor(TimeMs ms) {
    std::lock_guard lock(mu_);
    stamp_floor_ms_ = ms;
  }

 private:
  std::mutex mu_;
  Lsn lsn_ = 0;
  bool fail_ = false;
  TimeMs stamp_floor_ms_ = 0;
  std::vector<std::string> events_;
};

inline LedgerOptions small_options() {
  LedgerOptions o;
  o.shard_count = 16;
  return o;
}

// The recorded log, replayed into a fresh ledger, must give the same state.
inline void expect_log_rebuilds(RecordingSink& sink, const Ledger& ledger) {
  Ledger replica(small_options());
  for (const auto& bytes : sink.events()) {
    auto e = decode_event(bytes);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(replica.apply(*e).ok());
  }
  EXPECT_EQ(replica.state_hash(), ledger.state_hash());
}

class LedgerTest : public ::testing::Test {
 protected:
  LedgerTest() : ledger_(small_options(), &sink_) {
    EXPECT_TRUE(ledger_.configure_org(kOrg, {}).ok());
    EXPECT_TRUE(ledger_.configure_org(kOtherOrg, {}).ok());
  }

  Op op(OrgId org = kOrg, TimeMs now = kNow) {
    Op o;
    o.org = org;
    o.api_key = "test-key";
    o.now_ms = now;
    return o;
  }

  PromotionView promotion(std::string name, PromotionSpec spec = {}, OrgId org = kOrg) {
    spec.name = std::move(name);
    Op o = op(org);
    auto r = ledger_.create_promotion(o, spec);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return *r;
  }

  PromotionView issuable(std::string name, PromotionSpec spec = {}, OrgId org = kOrg) {
    spec.kind = PromotionKind::kIssuable;
    return promotion(std::move(name), spec, org);
  }

  void import(const PromotionView& p, std::vector<std::string> codes, OrgId org = kOrg,
              CodeImportOptions opts = {}) {
    Op o = op(org);
    auto r = ledger_.import_codes(o, p.id, codes, opts);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_TRUE(r->rejected.empty()) << r->rejected.front().message;
  }

  // n codes (prefix + a number) of a new promotion whose codes redeem without limit.
  std::vector<std::string> unlimited_codes(const std::string& prefix, int n) {
    PromotionSpec spec;
    spec.per_code_redemptions_max = 0;
    auto p = promotion(prefix, spec);
    std::vector<std::string> codes;
    for (int i = 0; i < n; ++i) codes.push_back(prefix + std::to_string(10000 + i));
    import(p, codes);
    return codes;
  }

  Result<RedeemOutcome> redeem_code(const std::string& code, CustomerId customer,
                                    const std::string& txn, std::uint32_t count = 1,
                                    OrgId org = kOrg, TimeMs now = kNow) {
    RedeemRequest req;
    req.customer = customer;
    req.transaction_identifier = txn;
    RedemptionItem item;
    item.code = *CodeKey::make(code);
    item.count = count;
    req.items.push_back(item);
    Op o = op(org, now);
    return ledger_.redeem(o, req);
  }

  RecordingSink sink_;
  Ledger ledger_;
};

// A redemption of one wallet entry.
inline RedeemRequest redeem_earned(CustomerId customer, std::string txn, const ObjectId& earned) {
  RedeemRequest req;
  req.customer = customer;
  req.transaction_identifier = std::move(txn);
  RedemptionItem item;
  item.earned_promotion_id = earned;
  req.items.push_back(item);
  return req;
}

inline Status status_of(const Status& s) { return s; }
template <class T>
Status status_of(const Result<T>& r) {
  return r.status();
}

#define EXPECT_CODE(result, ecode)                                            \
  do {                                                                        \
    Status st_ = ::codeledger::ledger::testing::status_of(result);            \
    EXPECT_EQ(st_.code(), ErrorCode::ecode) << st_.message();                 \
  } while (0)

}  // namespace codeledger::ledger::testing
