#include "tests/fuzz/demo_world.h"

#include <iterator>
#include <string_view>

#include "server/dialects/routes.h"
#include "server/http/config.h"
#include "server/http/router.h"
#include "tests/fuzz/fuzz_targets.h"

namespace codeledger::fuzz {
namespace {

namespace http = server::http;

const std::atomic<bool> kReady{true};

ledger::TimeMs fixed_clock() { return kNow; }

server::Router demo_router(server::Auth& auth) {
  server::Router router;
  for (const auto& r : server::dialect_routes()) router.add(r);
  for (auto& e : server::builtin_endpoints(auth, nullptr, nullptr, kReady)) router.add(std::move(e));
  return router;
}

ledger::Op other_org_op() {
  ledger::Op op;
  op.org = kOtherOrgId;
  op.api_key = "fuzz-setup";
  op.now_ms = kNow;
  return op;
}

std::string other_org_code() { return std::string(kOtherOrgMarker) + "1"; }

// The other organisation's marks: a code and a promotion name no request of the demo key can
// produce without reading them.
void mark_other_org(ledger::Ledger& ledger, const server::capillary::DemoIds& ids) {
  ledger::Op op = other_org_op();
  const std::string codes[] = {other_org_code()};
  auto imported = ledger.import_codes(op, ids.code_promotion, codes, {});
  CL_FUZZ_CHECK(imported.ok() && imported->rejected.empty(), "the other organisation's code");
  ledger::PromotionPatch patch;
  patch.name = std::string(kOtherOrgMarker) + " promotion";
  CL_FUZZ_CHECK(ledger.update_promotion(op, ids.code_promotion, patch).ok(), "the other organisation's promotion");
}

}  // namespace

Status RecordingSink::stage(ledger::Event& event) {
  event.header.lsn = events_.size() + 1;
  events_.emplace_back();
  ledger::encode_event(event, events_.back());
  return {};
}

DemoWorld::DemoWorld(ledger::EventSink* sink)
    : ledger(fuzz_ledger_options(), sink),
      ids(server::capillary::seed_demo(ledger, server::capillary::kDemoOrgId, kNow,
                                       kFuzzDemoGeneratedCodes)),
      other_ids(server::capillary::seed_demo(ledger, kOtherOrgId, kNow, kFuzzDemoGeneratedCodes)),
      auth(server::demo_config(), &fixed_clock),
      dispatcher(ledger, auth, demo_router(auth), &fixed_clock) {
  mark_other_org(ledger, other_ids);
}

OtherOrgState DemoWorld::other_org_state() {
  OtherOrgState s;
  for (const ledger::OrgStats& st : ledger.stats()) {
    if (st.org == kOtherOrgId) s.stats = st;
  }
  ledger::Op op = other_org_op();
  auto code = ledger.get_code(op, ledger::Mode::kDiscount, other_org_code(), false);
  CL_FUZZ_CHECK(code.ok(), "the other organisation's code is gone");
  s.code_customer = code->customer;
  s.code_redemptions = code->redemption_count;
  auto promotion = ledger.get_promotion(op, other_ids.code_promotion);
  CL_FUZZ_CHECK(promotion.ok(), "the other organisation's promotion is gone");
  s.promotion_name = promotion->spec.name;
  s.promotion_active = promotion->spec.active;
  return s;
}

Status configure_demo_orgs(ledger::Ledger& ledger) {
  ledger::OrgSettings settings;
  settings.time_zone = std::string(server::capillary::kDemoTimeZone);
  if (Status st = ledger.configure_org(server::capillary::kDemoOrgId, settings); !st.ok()) return st;
  return ledger.configure_org(kOtherOrgId, settings);
}

std::vector<std::string> demo_events() {
  RecordingSink sink;
  DemoWorld w(&sink);
  run_seed_story(w);
  return sink.events();
}

std::vector<std::string> http_seed_requests() {
  // {endpoint pattern, method, flags, query, body}: the index is found at run time, since
  // the router's order is the routes' order.
  struct Seed {
    std::string_view pattern;
    http::verb method;
    std::uint8_t params;
    std::uint8_t flags;
    std::string_view query;
    std::string_view body;
  };
  const Seed seeds[] = {
      {"/api_gateway/v1/customers/bulk", http::verb::post, 0, 1, "",
       R"([{"customerId":566881933,"externalId":"crm-42","email":"a@b.c","customFields":{"tier":"gold"}}])"},
      {"/api_gateway/v1/promotions/code/link", http::verb::post, 0, 1, "",
       R"({"customerId":566881933,"code":"DQCV73","mode":"DISCOUNT"})"},
      {"/api_gateway/v1/promotions/code", http::verb::get, 0, 1, "codes=DQCV73&mode=DISCOUNT", ""},
      {"/api_gateway/v1/promotions/redemptions", http::verb::post, 0, 1, "",
       R"({"customerId":566881933,"transactionIdentifier":"T1","redemptions":[{"code":"DQCV73","mode":"DISCOUNT","amount":10}]})"},
      {"/api_gateway/v1/promotions/redemptions", http::verb::get, 0, 1, "customerId=566881933&mode=DISCOUNT&codes=DQCV73", ""},
      {"/api_gateway/v1/promotions/redemptions/reverse", http::verb::post, 0, 1, "",
       R"({"customerId":566881933,"transactionIdentifier":"T1"})"},
      {"/api_gateway/v1/promotions/{promotionId}/issueBulk", http::verb::post, 1, 1,
       "contextId=68fb1c9731d91c625a8d9e80", "[566881933,566135941]"},
      {"/api_gateway/v1/promotions/{promotionId}/earn", http::verb::post, 1, 1, "contextId=cart-42",
       R"({"customerId":566881933})"},
      {"/api_gateway/v1/promotions/customer/{customerId}", http::verb::get, 2, 1, "", ""},
      {"/api_gateway/v1/promotions/revokeEarn", http::verb::post, 0, 1, "",
       R"({"customerId":566881933,"earnRevokeDetails":[{"promotionId":"000000000000000000000000","earnIds":["000000000000000000000000"]}]})"},
      {"/api_gateway/v1/promotions/{promotionId}/codes/generate", http::verb::post, 0, 1, "",
       R"({"count":5,"length":8,"prefix":"FZ","seed":7})"},
      {"/api_gateway/v1/promotions/{promotionId}/codes", http::verb::post, 0, 1, "",
       R"({"codes":["FUZZ01","FUZZ02"]})"},
      {"/api_gateway/v1/promotions/{promotionId}/codes", http::verb::get, 0, 1, "limit=5", ""},
      {"/api_gateway/v1/promotions/{promotionId}", http::verb::put, 0, 1, "",
       R"({"name":"renamed","active":true})"},
      {"/api_gateway/v1/promotions/{promotionId}/deactivate", http::verb::post, 1, 1, "", ""},
      {"/api_gateway/v1/promotions", http::verb::post, 0, 1, "",
       R"({"name":"fz","mode":"DISCOUNT","kind":"ISSUABLE","perCustomerEarnLimit":1})"},
      {"/api_gateway/v1/promotions", http::verb::get, 0, 1, "", ""},
      // The other organisation's objects, by id and by code: 404 / not found, never its data.
      {"/api_gateway/v1/promotions/{promotionId}", http::verb::get, 4, 1, "", ""},
      {"/api_gateway/v1/promotions/code/link", http::verb::post, 0, 1, "",
       R"({"customerId":566881933,"code":"ORGBSECRET1","mode":"DISCOUNT"})"},
      {"/api/v1.1/promocodes/attach", http::verb::post, 0, 1, "",
       R"({"db_id":1,"loyalty_id":1,"matching":"profile_id","profile_id":"crm-42","code":"DQCV73"})"},
      {"/api/v1.1/promocodes/get", http::verb::post, 0, 1, "", R"({"loyalty_id":1,"code":"DQCV73"})"},
      {"/api/v1.1/promocodes/activate", http::verb::post, 0, 1, "", R"({"loyalty_id":1,"code":"DQCV73"})"},
      // An XML answer echoing characters XML 1.0 cannot carry (a C0 control, U+FFFF).
      {"/api/v1.1/promocodes/get", http::verb::post, 0, 1, "format=xml",
       R"({"loyalty_id":1,"code":"AB\u0001C\uFFFFD"})"},
      {"/api/v1.1/promocodes/update", http::verb::post, 0, 1, "",
       R"({"loyalty_id":1,"code":"DQCV73","activated":false,"expire_date":"2026-08-25T08:00:00Z"})"},
      {"/api/v1.1/promocodes/detach", http::verb::post, 0, 1, "",
       R"({"db_id":1,"loyalty_id":1,"matching":"email","email":"a@b.c","code":"DQCV73"})"},
      {"/api/v1.1/promocodes/import", http::verb::post, 0, 3, "",
       "<xml><loyalty_id>1</loyalty_id><codes>CODE01</codes><codes>CODE02</codes></xml>"},
      {"/api/v1.1/promocodes/export_all", http::verb::post, 0, 1, "", R"({"loyalty_id":1,"limit":2})"},
      {"/v3/oauth/token/generate", http::verb::post, 0, 0, "", R"({"key":"demo","secret":"demo-secret"})"},
  };
  DemoWorld w;
  const server::Router& router = w.dispatcher.router();
  std::vector<std::string> out;
  for (const Seed& s : seeds) {
    for (std::size_t i = 0; i < router.size(); ++i) {
      const server::Endpoint& e = router.endpoint(i);
      if (e.method != s.method || e.pattern != s.pattern) continue;
      std::string input{static_cast<char>(i), static_cast<char>(s.params), static_cast<char>(s.flags)};
      input.append(s.query).append("\n").append(s.body);
      out.push_back(std::move(input));
    }
  }
  CL_FUZZ_CHECK(out.size() == std::size(seeds), "a seed names a route the router does not have");
  // Also all of them as one input, in order: each later request finds what the earlier made
  // (a profile to attach to, a redemption to reverse).
  std::string story;
  for (const std::string& one : out) story.append(story.empty() ? "" : kRequestSeparator).append(one);
  out.push_back(std::move(story));
  return out;
}

void run_seed_story(DemoWorld& w) { http_dispatch_requests(w, http_seed_requests().back()); }

}  // namespace codeledger::fuzz
