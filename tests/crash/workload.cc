#include "tests/crash/workload.h"

#include <simdjson.h>

#include <random>
#include <thread>

#include "server/capillary/demo.h"

namespace codeledger::crash {

namespace {

namespace http = testing::http;

constexpr std::string_view kCodePromotionName = "crash loop codes";
constexpr std::string_view kIssuablePromotionName = "crash loop issuable";

// The first envelope error code in a body (`"errors":[{"code":1004,...`), 0 when none.
int first_error_code(const std::string& body) {
  const auto at = body.find("\"code\":");
  if (at == std::string::npos) return 0;
  std::size_t i = at + 7;
  while (i < body.size() && body[i] == ' ') ++i;
  int n = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') n = n * 10 + (body[i++] - '0');
  return n;
}

void classify(Op& op, const testing::HttpResponse& r) {
  const unsigned status = r.result_int();
  if (status >= 200 && status < 300) {
    op.outcome = Outcome::kAcked;
  } else if (status >= 400 && status < 500) {
    op.outcome = Outcome::kRefused;
    op.error_code = first_error_code(r.body());
  } else {
    op.outcome = Outcome::kUnknown;  // no answer (status 0), or a 5xx
    op.error_code = static_cast<int>(status);
  }
}

std::string link_body(const Op& op) {
  return R"({"customerId": )" + std::to_string(op.customer) + R"(, "code": ")" + op.code +
         R"(", "mode": "DISCOUNT"})";
}

std::string redeem_body(const Op& op) {
  return R"({"customerId": )" + std::to_string(op.customer) + R"(, "transactionIdentifier": ")" +
         op.key + R"(", "redemptions": [{"code": ")" + op.code + R"(", "mode": "DISCOUNT"}]})";
}

// Shared between the client threads of one run: each link/redeem attempt takes the next slot,
// and slot k works on code k / 2, so every code gets exactly two attempts.
struct Slots {
  std::atomic<std::size_t> link{0};
  std::atomic<std::size_t> redeem{0};
};

// Picks the next operation for thread t; link and redeem fall back to issue when their pool
// is used up, so the load keeps running until the kill.
Op next_op(const Plan& plan, Slots& slots, unsigned t, std::size_t i, std::mt19937_64& rng) {
  Op op;
  op.customer = plan.customer_base + t;
  const auto pick = rng() % 3;
  if (pick == 0) {
    const std::size_t k = slots.link.fetch_add(1);
    if (k / 2 < plan.link_codes.size()) {
      op.kind = OpKind::kLink;
      op.code = plan.link_codes[k / 2];
      return op;
    }
  } else if (pick == 1) {
    const std::size_t k = slots.redeem.fetch_add(1);
    if (k / 2 < plan.redeem_codes.size()) {
      op.kind = OpKind::kRedeem;
      op.code = plan.redeem_codes[k / 2];
      op.key = plan.tag + "-r" + std::to_string(k);
      return op;
    }
  }
  op.kind = OpKind::kIssue;
  op.key = plan.tag + "-t" + std::to_string(t) + "-i" + std::to_string(i);
  return op;
}

testing::HttpResponse send(testing::HttpClient& c, const Plan& plan, const Op& op) {
  switch (op.kind) {
    case OpKind::kLink:
      return c.post("/api_gateway/v1/promotions/code/link", link_body(op));
    case OpKind::kRedeem:
      return c.post("/api_gateway/v1/promotions/redemptions", redeem_body(op));
    case OpKind::kIssue:
      break;
  }
  return c.post("/api_gateway/v1/promotions/" + plan.issuable_promotion +
                    "/issueBulk?contextId=" + op.key,
                "[" + std::to_string(op.customer) + "]");
}

void client_loop(std::uint16_t port, const Plan& plan, const std::atomic<bool>& stop, Slots& slots,
                 unsigned t, std::vector<Op>& out) {
  auto client = demo_client(port);
  testing::HttpClient& c = *client;
  std::mt19937_64 rng(std::hash<std::string>{}(plan.tag) ^ (t * 0x9e3779b97f4a7c15ULL));
  const auto deadline = Clock::now() + plan.duration_max;
  for (std::size_t i = 0; i < plan.ops_per_thread_max; ++i) {
    if (stop.load(std::memory_order_relaxed) || Clock::now() >= deadline) break;
    Op op = next_op(plan, slots, t, i, rng);
    op.started = Clock::now();
    const testing::HttpResponse r = send(c, plan, op);
    op.latency = Clock::now() - op.started;
    classify(op, r);
    out.push_back(std::move(op));
    // The connection is gone (the server died): nothing more can be said on it.
    if (r.result_int() == 0) break;
  }
}

}  // namespace

std::unique_ptr<testing::HttpClient> demo_client(std::uint16_t port,
                                                 std::chrono::milliseconds timeout) {
  auto c = std::make_unique<testing::HttpClient>(port, timeout);
  c->set_default_headers({{"Authorization", testing::basic_auth(server::capillary::kDemoKeyName,
                                                               server::capillary::kDemoPassword)}});
  return c;
}

std::vector<Op> run_clients(std::uint16_t port, const Plan& plan, const std::atomic<bool>& stop) {
  Slots slots;
  std::vector<std::vector<Op>> per_thread(plan.threads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < plan.threads; ++t) {
    per_thread[t].reserve(1024);
    threads.emplace_back(client_loop, port, std::cref(plan), std::cref(stop), std::ref(slots), t,
                         std::ref(per_thread[t]));
  }
  for (auto& th : threads) th.join();
  std::vector<Op> all;
  for (auto& ops : per_thread) {
    for (auto& op : ops) all.push_back(std::move(op));
  }
  return all;
}

Promotions ensure_promotions(testing::HttpClient& c) {
  Promotions p;
  const auto list = c.get("/api_gateway/v1/promotions");
  simdjson::dom::parser parser;
  simdjson::dom::array data;
  if (list.result_int() == 200 && parser.parse(list.body()).at_key("data").get(data) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : data) {
      std::string_view name;
      std::string_view id;
      if (e["name"].get(name) != simdjson::SUCCESS || e["id"].get(id) != simdjson::SUCCESS) continue;
      if (name == kCodePromotionName) p.code_linked = std::string(id);
      if (name == kIssuablePromotionName) p.issuable = std::string(id);
    }
  }
  auto create = [&](std::string_view name, std::string_view extra) -> std::string {
    const auto r = c.post("/api_gateway/v1/promotions",
                          R"({"name": ")" + std::string(name) + R"(", "mode": "DISCOUNT", )" +
                              std::string(extra) + "}");
    std::string_view id;
    simdjson::dom::parser one;
    if (r.result_int() != 200 || one.parse(r.body())["data"]["id"].get(id) != simdjson::SUCCESS) return {};
    return std::string(id);
  };
  if (p.code_linked.empty()) {
    p.code_linked = create(kCodePromotionName, R"("kind": "CODE_LINKED", "perCodeRedemptionLimit": 1)");
  }
  if (p.issuable.empty()) {
    p.issuable = create(kIssuablePromotionName, R"("kind": "ISSUABLE", "perCustomerEarnLimit": 0)");
  }
  return p;
}

bool import_codes(testing::HttpClient& c, const std::string& promotion,
                  const std::vector<std::string>& codes) {
  std::string body = R"({"codes": [)";
  for (std::size_t i = 0; i < codes.size(); ++i) body += (i ? ",\"" : "\"") + codes[i] + "\"";
  body += "]}";
  return c.post("/api_gateway/v1/promotions/" + promotion + "/codes", body).result_int() == 200;
}

std::string to_string(const CheckResult& r) {
  std::string s = std::to_string(r.acked) + " acknowledged, " + std::to_string(r.refused) +
                  " refused, " + std::to_string(r.unknown) + " unknown, " +
                  std::to_string(r.reredeems) + " re-redeems, " +
                  std::to_string(r.violations.size()) + " violations";
  for (const auto& v : r.violations) s += "\n  " + v;
  return s;
}

}  // namespace codeledger::crash
