// Front-door micro benchmarks: the per-key rate limiter (one key per thread, and two threads
// racing on one key), routing, Basic authentication (a connection's first request, and a
// later one repeating the header), request JSON parsing (a Capillary redemption body through
// the wire readers) and response serialisation (a seed-002 code record with *ISO fields, and
// a redemption answer, and the status line and header block of an answer) and the
// request-smuggling screen of a request head. Run from the Release build:
//   micro_bench --benchmark_filter='RateLimit|RouterMatch|AuthBasic|RequestJson|Response|RequestHead'
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "server/altcraft/routes.h"
#include "server/capillary/routes.h"
#include "server/capillary/views.h"
#include "server/http/auth.h"
#include "server/http/crypto.h"
#include "server/http/head_screen.h"
#include "server/http/rate_limit.h"
#include "server/http/response_head.h"
#include "server/http/router.h"
#include "server/wire/json_reader.h"
#include "server/wire/json_writer.h"

namespace {

using namespace codeledger;
using server::wire::Need;

std::vector<server::ApiKeyConfig> bench_keys(int count) {
  std::vector<server::ApiKeyConfig> keys;
  for (int i = 0; i < count; ++i) {
    server::ApiKeyConfig k;
    k.name = "key-" + std::to_string(i);
    k.org = 1;
    k.rate_limit_per_minute = 1'000'000'000;  // never limited: the admitted path is measured
    k.rate_limit_burst = 1'000'000;
    keys.push_back(k);
  }
  return keys;
}

const server::RateLimiter& limiter() {
  static const server::RateLimiter instance(bench_keys(64), server::RatePolicy{});
  return instance;
}

// Each thread charges its own key: unrelated keys must not serialise.
void BM_RateLimitAdmitOwnKey(benchmark::State& state) {
  const std::string key = "key-" + std::to_string(state.thread_index());
  for (auto _ : state) benchmark::DoNotOptimize(limiter().admit_key(key));
}
BENCHMARK(BM_RateLimitAdmitOwnKey)->Threads(1)->Threads(2)->UseRealTime();

// Every thread charges one key: the CAS loop's contended cost.
void BM_RateLimitAdmitSharedKey(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(limiter().admit_key("key-0"));
}
BENCHMARK(BM_RateLimitAdmitSharedKey)->Threads(2)->UseRealTime();

// A client address's slot in the limit of failed authentication (keyed SipHash through
// OpenSSL's MAC API): paid once a connection, at accept, never per request.
void BM_RateLimitAddressSlot(benchmark::State& state) {
  server::ClientAddress address{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};
  for (auto _ : state) {
    benchmark::DoNotOptimize(limiter().slot_of(address));
    ++address[15];
  }
}
BENCHMARK(BM_RateLimitAddressSlot);

// Routing one request among codeledgerd's endpoints (both dialects), as Dispatcher::handle does.
void BM_RouterMatch(benchmark::State& state) {
  server::Router router;
  for (const server::Route& r : server::capillary::capillary_routes()) router.add(r);
  for (const server::Route& r : server::altcraft::altcraft_routes()) router.add(r);
  const std::string path = "/api_gateway/v1/promotions/redemptions";
  for (auto _ : state) {
    server::PathParams params;
    auto m = router.match(server::http::verb::post, path, params);
    if (m.kind != server::RouteMatch::Kind::kFound) state.SkipWithError("no route");
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_RouterMatch);

// One key with a known password, and its Basic header.
struct BasicKey {
  server::Config config;
  std::string header;
};

BasicKey basic_key() {
  BasicKey out;
  server::ApiKeyConfig key = bench_keys(1).front();
  key.scopes = 0xff;
  const std::string salt = server::random_bytes(16);
  key.salt_hex = server::to_hex(salt);
  key.secret_sha256_hex = server::salted_secret_hash(salt, server::md5_hex("bench-secret"));
  out.config.api_keys.push_back(key);
  out.header = server::capillary_basic_header(key.name, "bench-secret");
  return out;
}

// One Basic header checked against one key: base64 decode, MD5-hex check, the salted SHA-256
// and the constant-time compare, as the first request of a connection pays.
void BM_AuthBasic(benchmark::State& state) {
  const BasicKey key = basic_key();
  const server::Auth auth(key.config);
  for (auto _ : state) {
    auto result = auth.authenticate(key.header);
    if (!result.caller) state.SkipWithError("authentication failed");
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_AuthBasic);

// The same header again on a connection that accepted it (AuthMemo): the constant-time
// compare with the remembered header and a copy of the caller, as every later request pays.
void BM_AuthBasicRemembered(benchmark::State& state) {
  const BasicKey key = basic_key();
  const server::Auth auth(key.config);
  server::AuthMemo memo;
  for (auto _ : state) {
    auto result = auth.authenticate(key.header, &memo);
    if (!result.caller) state.SkipWithError("authentication failed");
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_AuthBasicRemembered);

constexpr std::string_view kRedeemBody = R"({
  "transactionIdentifier": "TXN-2026-11-22-000123",
  "transactionNumber": "B-778812",
  "transactionDate": "2026-11-22 10:15:00",
  "amount": 1299.5,
  "customerId": 554433,
  "redemptions": [{"code": "DQCV73", "mode": "DISCOUNT", "discount": 100.0}]
})";

// What the redeem handler does before it reaches the ledger: parse, then read each field.
void BM_RequestJsonParseRedeem(benchmark::State& state) {
  for (auto _ : state) {
    auto doc = server::wire::parse_json(kRedeemBody);
    if (!doc.ok()) state.SkipWithError("parse failed");
    server::wire::Fields f(doc->get_object().value());
    benchmark::DoNotOptimize(f.string("transactionIdentifier", Need::kRequired, 128));
    benchmark::DoNotOptimize(f.string("transactionNumber", Need::kOptional, 128));
    benchmark::DoNotOptimize(f.customer_id("customerId", Need::kRequired));
    auto items = f.array("redemptions", Need::kRequired, 100);
    for (auto item : *items) {
      server::wire::Fields r(item.get_object().value(), "redemptions[0].");
      benchmark::DoNotOptimize(r.string("code", Need::kRequired, 64));
      benchmark::DoNotOptimize(r.mode("mode", Need::kOptional));
    }
    if (!f.ok()) state.SkipWithError("field read failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kRedeemBody.size()));
}
BENCHMARK(BM_RequestJsonParseRedeem);

// The worst body for the duplicate-key check: 1 MB of objects at object_members_max (256)
// members each, all keys distinct. Every member is compared with the others of its object.
void BM_RequestJsonParseWideObjects(benchmark::State& state) {
  std::string object = "{";
  for (int i = 0; i < 256; ++i) object += (i ? ",\"k" : "\"k") + std::to_string(1000 + i) + "\":1";
  object += "}";
  std::string body = "[";
  while (body.size() + object.size() + 2 < 1'000'000) body += (body.size() > 1 ? "," : "") + object;
  body += "]";
  for (auto _ : state) {
    auto doc = server::wire::parse_json(body);
    if (!doc.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(doc.ok());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_RequestJsonParseWideObjects)->Unit(benchmark::kMillisecond);

// One seed-002 code record in a non-UTC zone (every *ISO field goes through the tz rules).
void BM_ResponseCodeSerialise(benchmark::State& state) {
  ledger::CodeView code;
  code.id = *ledger::ObjectId::parse("5f1a2b3c4d5e6f7a8b9c0d1e");
  code.org = 100737;
  code.promotion_id = *ledger::ObjectId::parse("5f1a2b3c4d5e6f7a8b9c0d1f");
  code.promotion_name = "Black Friday";
  code.code = *ledger::CodeKey::make("DQCV73");
  code.customer = 554433;
  code.created_ms = 1'763'800'000'000;
  code.valid_till_ms = 1'767'000'000'000;
  code.redeemable_from_ms = 1'763'800'000'000;
  const auto zone = server::wire::IsoZone::find_or_utc("Asia/Kolkata");
  std::string out;
  for (auto _ : state) {
    out.clear();
    server::wire::JsonWriter w(out);
    server::capillary::write_code(w, code, zone, false);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_ResponseCodeSerialise);

// The answer to a one-item redemption (POST /v1/redemptions), in UTC as the bench org uses.
void BM_ResponseRedemptionSerialise(benchmark::State& state) {
  ledger::RedemptionView r;
  r.id = *ledger::ObjectId::parse("5f1a2b3c4d5e6f7a8b9c0d1e");
  r.org = 100737;
  r.customer = 554433;
  r.transaction_identifier = "TXN-2026-11-22-000123";
  r.transaction_number = "B-778812";
  r.transaction_date_ms = 1'763'800'000'000;
  r.amount = 129950;
  r.redeemed_ms = 1'763'800'000'123;
  r.promotion_name = "Black Friday";
  ledger::RedemptionItem& item = r.items.emplace_back();
  item.code = *ledger::CodeKey::make("DQCV73");
  item.promotion_id = *ledger::ObjectId::parse("5f1a2b3c4d5e6f7a8b9c0d1f");
  item.discount = 10000;
  const auto zone = server::wire::IsoZone::find_or_utc("UTC");
  std::string out;
  for (auto _ : state) {
    out.clear();
    server::wire::JsonWriter w(out);
    server::capillary::write_redemption(w, r, zone);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_ResponseRedemptionSerialise);

// The head of a rate-limited key's 200 answer: every header value is screened for CR, LF
// and NUL before it is written.
void BM_ResponseHead(benchmark::State& state) {
  server::Reply reply;
  reply.content_type = "application/json";
  reply.headers.emplace_back("RateLimit-Policy", R"("bench";q=1000000000;w=60)");
  reply.headers.emplace_back("RateLimit", R"("bench";r=999999999;t=0)");
  reply.body.assign(180, 'x');
  std::string out;
  for (auto _ : state) {
    out.clear();
    server::append_response_head(out, reply, "Sat, 05 Dec 2026 14:00:00 GMT", true);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_ResponseHead);

// The head of a redemption as ledger-load sends it: every byte is checked for bare CR and
// LF, every field name for Transfer-Encoding and Content-Length.
void BM_RequestHeadScreen(benchmark::State& state) {
  const std::string head =
      "POST /v1/redemptions HTTP/1.1\r\n"
      "Host: 127.0.0.1:18731\r\n"
      "User-Agent: ledger-load\r\n"
      "Authorization: Basic YmVuY2hrOjBlNTc1MWMwMjZlM2IyOGZhN2U1OGU4YTRjZDk1NzAw\r\n"
      "Content-Type: application/json\r\n"
      "Accept: application/json\r\n"
      "Content-Length: 187\r\n"
      "\r\n";
  for (auto _ : state) {
    benchmark::DoNotOptimize(server::screen_request_head(head).data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * head.size()));
}
BENCHMARK(BM_RequestHeadScreen);

}  // namespace
