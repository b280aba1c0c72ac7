// What each request does: the scenario's choice of operation, code and customer, and the
// request bytes for the target (HTTP to codeledgerd / the ceiling, or RESP to Redis).
#pragma once

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench/load/api.h"
#include "bench/load/options.h"
#include "bench/load/zipf.h"

namespace codeledger::bench {

// Everything set-up produced. Constant after set-up, shared by every thread.
struct Plan {
  Scenario scenario = Scenario::kPeakSale;
  Target target = Target::kHttp;
  Mix mix;
  double zipf_s = 0.99;
  std::uint32_t code_limit = 1;
  std::string run_tag;                 // unique per run: promotion names, txn ids, Redis keys
  std::vector<std::string> codes;      // the pool; index = code id in stats
  std::string code_promotion;          // HTTP: promotion id holding the codes
  std::string issue_promotion;         // HTTP: issuable promotion id; Redis: its name
  std::uint64_t customer_base = 1'000'000'000;
  std::string redis_prefix;
  std::string sha_link, sha_redeem, sha_issue;  // Redis script digests
  std::string host_header, authorization;
  // Codes handed out in order by the link and redeem scenarios (each code once per lap).
  mutable std::atomic<std::uint64_t> walk{0};

  std::uint64_t owner_of(std::uint32_t code) const { return customer_base + code; }
};

struct Op {
  OpKind kind = OpKind::kLookup;
  std::uint32_t code = 0;
  std::uint64_t customer = 0;
};

// One per client thread; not thread-safe (each thread's connections share it).
class Workload {
 public:
  Workload(const Plan& plan, std::uint64_t seed, unsigned thread_index);

  Op next();
  // Request bytes for op into `out` (reuses its capacity).
  void render(const Op& op, std::string& out, std::int64_t now_ms);

 private:
  std::uint32_t pick_code();
  OpKind pick_peak_sale_op();
  void unique_id(char kind);

  const Plan& plan_;
  std::mt19937_64 rng_;
  ZipfSampler zipf_;
  std::string id_;          // scratch: transaction / context id
  std::uint64_t counter_ = 0;
  unsigned thread_index_;
  api::HttpCall call_;
};

}  // namespace codeledger::bench
