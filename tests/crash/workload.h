// The crash tests' client side: concurrent link / redeem / issueBulk traffic against a real
// codeledgerd, with a log of every operation and what the client learned about it, and the
// checker that compares a restarted server with that log.
//
// Each operation ends in one of three outcomes:
//   kAcked   — a 2xx answer: it happened and (in sync durability) must survive any crash;
//   kRefused — a 4xx answer: it did not happen (the error code says why, e.g. 1004);
//   kUnknown — no answer (the connection died with the server) or a 5xx: it may or may not
//              have happened, but if it did it happened once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/http_client.h"

namespace codeledger::crash {

using Clock = std::chrono::steady_clock;

enum class OpKind : std::uint8_t { kLink, kRedeem, kIssue };
enum class Outcome : std::uint8_t { kAcked, kRefused, kUnknown };

struct Op {
  OpKind kind = OpKind::kLink;
  Outcome outcome = Outcome::kUnknown;
  int error_code = 0;          // the first envelope error code of a refusal
  std::string code;            // link, redeem
  std::uint64_t customer = 0;
  std::string key;             // redeem: transactionIdentifier; issue: contextId
  Clock::time_point started;
  Clock::duration latency{};
};

// What one run of the clients works on. Every code of link_codes is linked by two attempts
// (usually from two threads, for different customers) and every code of redeem_codes is
// redeemed by two attempts, so races and their refusals (1005, 1004) are part of the load.
struct Plan {
  std::string tag;                       // unique per run: keys and contextIds carry it
  std::string issuable_promotion;        // 24-hex id
  std::vector<std::string> link_codes;
  std::vector<std::string> redeem_codes;
  std::uint64_t customer_base = 0;       // thread t acts as customer_base + t
  unsigned threads = 4;
  std::size_t ops_per_thread_max = 50'000;
  Clock::duration duration_max = std::chrono::seconds(30);
};

// Runs plan.threads clients, each on its own keep-alive connection, until `stop` is set,
// the connection dies, duration_max passes or ops_per_thread_max is reached. Returns every
// operation each client sent.
std::vector<Op> run_clients(std::uint16_t port, const Plan& plan, const std::atomic<bool>& stop);

// A client with the demo key's Basic credentials (HttpClient cannot move: a pointer).
std::unique_ptr<testing::HttpClient> demo_client(std::uint16_t port,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The promotions the crash tests use, created once per data dir (found by name after a
// restart). Empty ids when the server refused.
struct Promotions {
  std::string code_linked;   // DISCOUNT, single-use codes
  std::string issuable;      // DISCOUNT, no per-customer earn limit
};
Promotions ensure_promotions(testing::HttpClient& c);

// Imports `codes` into `promotion` (all or nothing); true on 200.
bool import_codes(testing::HttpClient& c, const std::string& promotion,
                  const std::vector<std::string>& codes);

struct CheckResult {
  std::size_t acked = 0;      // acknowledged operations checked
  std::size_t refused = 0;
  std::size_t unknown = 0;
  std::size_t reredeems = 0;  // acknowledged redemptions retried after restart (must be 1004)
  std::vector<std::string> violations;
};

// Reads the restarted server's state of every code and wallet the operations touched and
// compares it with the log. `complete` demands every acknowledged operation be visible
// (sync durability); without it only contradictions count (async: acks may be lost).
CheckResult check_ops(testing::HttpClient& c, const std::vector<Op>& ops, bool complete);

std::string to_string(const CheckResult& r);

}  // namespace codeledger::crash
