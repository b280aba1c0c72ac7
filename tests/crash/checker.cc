// check_ops: the restarted server's state against the clients' log. For every code and wallet
// the log touched, the state must be explained by the operations that happened: all the
// acknowledged ones (when `complete`), any subset of the unknown ones (each at most once), and
// none of the refused ones.
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <optional>

#include "tests/crash/workload.h"

namespace codeledger::crash {

namespace {

constexpr std::size_t kCodesPerLookup = 300;   // keeps the request line well under 16 KiB
constexpr std::size_t kReredeemsMax = 10;      // per check: each is one more request
constexpr std::size_t kViolationsKept = 50;

struct CodeState {
  bool found = false;
  std::optional<std::uint64_t> customer;
  std::vector<std::string> redemption_keys;  // transactionIdentifier of each live redemption
  std::int64_t redemption_count = 0;
};

class Checker {
 public:
  Checker(testing::HttpClient& c, bool complete) : c_(c), complete_(complete) {}

  CheckResult run(const std::vector<Op>& ops);

 private:
  void violation(std::string text) {
    if (result_.violations.size() < kViolationsKept) result_.violations.push_back(std::move(text));
  }
  void fetch_codes(const std::vector<std::string>& codes);
  void check_link(const std::string& code, const std::vector<const Op*>& attempts);
  void check_redeem(const std::string& code, const std::vector<const Op*>& attempts);
  void check_wallet(std::uint64_t customer, const std::vector<const Op*>& issues);
  void reredeem(const std::vector<const Op*>& acked_redeems);

  testing::HttpClient& c_;
  bool complete_;
  CheckResult result_;
  std::map<std::string, CodeState> states_;
};

bool happened_maybe(const Op& op) { return op.outcome != Outcome::kRefused; }

void Checker::fetch_codes(const std::vector<std::string>& codes) {
  simdjson::dom::parser parser;
  for (std::size_t at = 0; at < codes.size(); at += kCodesPerLookup) {
    std::string list;
    for (std::size_t i = at; i < std::min(codes.size(), at + kCodesPerLookup); ++i) {
      list += (list.empty() ? "" : ",") + codes[i];
    }
    const auto r = c_.get("/api_gateway/v1/promotions/code?mode=DISCOUNT&includeRedemptions=true&codes=" + list);
    simdjson::dom::array data;
    if (parser.parse(r.body())["data"].get(data) != simdjson::SUCCESS) {
      violation("code lookup failed: HTTP " + std::to_string(r.result_int()) + " " + r.body().substr(0, 200));
      continue;
    }
    for (simdjson::dom::element e : data) {
      std::string_view code;
      if (e["code"].get(code) != simdjson::SUCCESS) continue;
      CodeState& s = states_[std::string(code)];
      s.found = true;
      std::uint64_t customer = 0;
      if (e["customerId"].get(customer) == simdjson::SUCCESS) s.customer = customer;
      if (e["redemptionCount"].get(s.redemption_count) != simdjson::SUCCESS) s.redemption_count = 0;
      simdjson::dom::array rows;
      if (e["redemptions"].get(rows) != simdjson::SUCCESS) continue;
      for (simdjson::dom::element row : rows) {
        bool reversed = false;
        std::string_view key;
        if (row["reversed"].get(reversed) != simdjson::SUCCESS) reversed = false;
        if (!reversed && row["transactionIdentifier"].get(key) == simdjson::SUCCESS) {
          s.redemption_keys.emplace_back(key);
        }
      }
    }
  }
}

// One code, two link attempts: the visible customer is one that was attempted and not refused;
// an acknowledged link is visible (complete); two different customers are never both acked.
void Checker::check_link(const std::string& code, const std::vector<const Op*>& attempts) {
  const CodeState& s = states_[code];
  std::optional<std::uint64_t> acked;
  bool acked_conflict = false;  // a 1005 answer: some customer held the code then
  for (const Op* op : attempts) {
    if (op->outcome == Outcome::kAcked) {
      if (acked && *acked != op->customer) {
        violation("link " + code + ": acknowledged for customers " + std::to_string(*acked) +
                  " and " + std::to_string(op->customer));
      }
      acked = op->customer;
    }
    acked_conflict |= op->outcome == Outcome::kRefused && op->error_code == 1005;
  }
  if (s.customer) {
    const bool explained = std::any_of(attempts.begin(), attempts.end(), [&](const Op* op) {
      return happened_maybe(*op) && op->customer == *s.customer;
    });
    if (!explained) violation("link " + code + ": linked to " + std::to_string(*s.customer) + ", never attempted");
    if (acked && *acked != *s.customer) {
      violation("link " + code + ": acknowledged for " + std::to_string(*acked) + ", shows " +
                std::to_string(*s.customer));
    }
  } else if (complete_ && (acked || acked_conflict)) {
    violation("link " + code + ": acknowledged (" + (acked ? "200" : "1005") + ") but not linked after restart" +
              (s.found ? "" : " (code missing)"));
  }
}

// One single-use code, two redeem attempts: at most one live redemption, by an attempt that was
// not refused; an acknowledged redemption (or an acknowledged 1004) is visible (complete).
void Checker::check_redeem(const std::string& code, const std::vector<const Op*>& attempts) {
  const CodeState& s = states_[code];
  const Op* acked = nullptr;
  bool used_up = false;
  for (const Op* op : attempts) {
    if (op->outcome == Outcome::kAcked) {
      if (acked) violation("redeem " + code + ": two acknowledged redemptions of a single-use code");
      acked = op;
    }
    used_up |= op->outcome == Outcome::kRefused && op->error_code == 1004;
  }
  if (s.redemption_keys.size() > 1 || s.redemption_count > 1) {
    violation("redeem " + code + ": redeemed " + std::to_string(s.redemption_keys.size()) + " times");
  }
  for (const auto& key : s.redemption_keys) {
    const bool explained = std::any_of(attempts.begin(), attempts.end(), [&](const Op* op) {
      return happened_maybe(*op) && op->key == key;
    });
    if (!explained) violation("redeem " + code + ": redemption " + key + " was never attempted or was refused");
    if (acked && key != acked->key) violation("redeem " + code + ": acknowledged " + acked->key + ", shows " + key);
  }
  if (complete_ && (acked || used_up) && s.redemption_keys.empty()) {
    violation("redeem " + code + ": acknowledged (" + (acked ? "200" : "1004") + ") but not redeemed after restart");
  }
}

void Checker::check_wallet(std::uint64_t customer, const std::vector<const Op*>& issues) {
  const auto r = c_.get("/api_gateway/v1/promotions/customer/" + std::to_string(customer));
  simdjson::dom::parser parser;
  simdjson::dom::array data;
  if (parser.parse(r.body())["data"].get(data) != simdjson::SUCCESS) {
    violation("wallet " + std::to_string(customer) + ": HTTP " + std::to_string(r.result_int()));
    return;
  }
  std::map<std::string, int> seen;
  for (simdjson::dom::element e : data) {
    std::string_view from;
    if (e["earnedFromId"].get(from) == simdjson::SUCCESS) ++seen[std::string(from)];
  }
  std::map<std::string, const Op*> attempted;
  for (const Op* op : issues) attempted[op->key] = op;
  for (const auto& [from, n] : seen) {
    auto it = attempted.find(from);
    if (it == attempted.end() || !happened_maybe(*it->second)) {
      violation("wallet " + std::to_string(customer) + ": entry from " + from + " never attempted or refused");
    } else if (n > 1) {
      violation("wallet " + std::to_string(customer) + ": " + from + " issued " + std::to_string(n) + " times");
    }
  }
  if (!complete_) return;
  for (const Op* op : issues) {
    if (op->outcome == Outcome::kAcked && !seen.contains(op->key)) {
      violation("wallet " + std::to_string(customer) + ": acknowledged issue " + op->key + " missing");
    }
  }
}

// "Second redeem of a single-use code answers 1004", after the restart.
void Checker::reredeem(const std::vector<const Op*>& acked_redeems) {
  for (std::size_t i = 0; i < acked_redeems.size() && i < kReredeemsMax; ++i) {
    const Op& op = *acked_redeems[i];
    const auto r = c_.post("/api_gateway/v1/promotions/redemptions",
                           R"({"customerId": )" + std::to_string(op.customer) +
                               R"(, "transactionIdentifier": ")" + op.key + R"(-again", "redemptions": [{"code": ")" +
                               op.code + R"(", "mode": "DISCOUNT"}]})");
    ++result_.reredeems;
    if (r.result_int() != 400 || r.body().find("1004") == std::string::npos) {
      violation("redeem " + op.code + " again after restart: HTTP " + std::to_string(r.result_int()) + " " +
                r.body().substr(0, 200));
    }
  }
}

CheckResult Checker::run(const std::vector<Op>& ops) {
  std::map<std::string, std::vector<const Op*>> links, redeems;
  std::map<std::uint64_t, std::vector<const Op*>> issues;
  std::vector<const Op*> acked_redeems;
  for (const Op& op : ops) {
    result_.acked += op.outcome == Outcome::kAcked;
    result_.refused += op.outcome == Outcome::kRefused;
    result_.unknown += op.outcome == Outcome::kUnknown;
    if (op.kind == OpKind::kLink) links[op.code].push_back(&op);
    if (op.kind == OpKind::kRedeem) redeems[op.code].push_back(&op);
    if (op.kind == OpKind::kIssue) issues[op.customer].push_back(&op);
    if (op.kind == OpKind::kRedeem && op.outcome == Outcome::kAcked) acked_redeems.push_back(&op);
  }
  std::vector<std::string> codes;
  for (const auto& [code, _] : links) codes.push_back(code);
  for (const auto& [code, _] : redeems) codes.push_back(code);
  fetch_codes(codes);
  for (const auto& [code, attempts] : links) check_link(code, attempts);
  for (const auto& [code, attempts] : redeems) check_redeem(code, attempts);
  for (const auto& [customer, list] : issues) check_wallet(customer, list);
  if (complete_) reredeem(acked_redeems);
  return result_;
}

}  // namespace

CheckResult check_ops(testing::HttpClient& c, const std::vector<Op>& ops, bool complete) {
  return Checker(c, complete).run(ops);
}

}  // namespace codeledger::crash
