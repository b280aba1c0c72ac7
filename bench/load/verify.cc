// After a run: no code may have more successful redemptions than its limit, and every
// redemption a client saw acknowledged must be visible in the target afterwards.
#include <simdjson.h>

#include <algorithm>
#include <span>
#include <stdexcept>

#include "bench/load/resp.h"
#include "bench/load/setup.h"
#include "bench/load/verdict.h"

namespace codeledger::bench {
namespace {

constexpr std::size_t kLookupBatch = 100;        // codes per verification look-up
constexpr std::size_t kVerifyPoolMax = 200'000;  // check the whole pool up to this size

// Which codes to read back: the whole pool when small, else every code a client redeemed.
std::vector<std::uint32_t> codes_to_check(const Plan& plan,
                                          const std::unordered_map<std::uint32_t, std::uint32_t>& redeemed) {
  std::vector<std::uint32_t> ids;
  if (plan.codes.size() <= kVerifyPoolMax) {
    for (std::uint32_t i = 0; i < plan.codes.size(); ++i) ids.push_back(i);
  } else {
    for (const auto& [code, n] : redeemed) ids.push_back(code);
  }
  return ids;
}

void verify_http(const Options& o, const Plan& plan, const std::vector<std::uint32_t>& ids,
                 const std::unordered_map<std::uint32_t, std::uint32_t>& redeemed, VerifyReport& v) {
  SyncHttp client(o, plan.host_header, plan.authorization);
  simdjson::dom::parser parser;
  for (std::size_t at = 0; at < ids.size(); at += kLookupBatch) {
    const std::span<const std::uint32_t> batch(ids.data() + at, std::min(kLookupBatch, ids.size() - at));
    std::vector<std::string> texts;
    std::unordered_map<std::string_view, std::uint32_t> index;
    for (const std::uint32_t id : batch) {
      texts.push_back(plan.codes[id]);
      index[plan.codes[id]] = id;
    }
    const auto a = client.call(api::lookup_codes(texts));
    // Per-record answers come as a data array, even a 400 when no code of the batch is known.
    simdjson::dom::array records;
    if (parser.parse(a.body)["data"].get(records)) {
      throw std::runtime_error("verify look-up failed: HTTP " + std::to_string(a.status) + " " + a.body.substr(0, 300));
    }
    std::unordered_map<std::uint32_t, std::uint64_t> counts;
    for (auto rec : records) {
      std::string_view code;
      std::uint64_t count = 0;
      if (rec["code"].get(code) || rec["redemptionCount"].get(count)) {
        throw std::runtime_error("verify: record without code/redemptionCount");
      }
      if (const auto it = index.find(code); it != index.end()) counts[it->second] = count;
    }
    judge_batch(v, batch, counts, redeemed, plan.code_limit, plan.codes);
  }
}

void verify_redis(const Options& o, const Plan& plan, const std::vector<std::uint32_t>& ids,
                  const std::unordered_map<std::uint32_t, std::uint32_t>& redeemed, VerifyReport& v) {
  SyncRedis client(o);
  for (std::size_t at = 0; at < ids.size(); at += kLookupBatch) {
    std::string batch;
    const std::size_t end = std::min(ids.size(), at + kLookupBatch);
    for (std::size_t i = at; i < end; ++i) {
      const std::string key = redis::code_key(plan.redis_prefix, plan.codes[ids[i]]);
      const std::string_view args[] = {"HGET", key, "used"};
      redis::command(batch, args);
    }
    const std::string raw = client.call(batch, end - at);
    std::string_view rest(raw);
    std::unordered_map<std::uint32_t, std::uint64_t> counts;  // a missing key (nil) stays out
    for (std::size_t i = at; i < end; ++i) {
      resp::Reply reply;
      const std::size_t n = resp::parse(rest, &reply);
      rest.remove_prefix(n);
      if (reply.kind == resp::Kind::kBulk) counts[ids[i]] = std::stoull(std::string(reply.text));
    }
    judge_batch(v, std::span<const std::uint32_t>(ids.data() + at, end - at), counts, redeemed,
                plan.code_limit, plan.codes);
  }
}

}  // namespace

VerifyReport verify_redemptions(const Options& o, const Plan& plan,
                                const std::unordered_map<std::uint32_t, std::uint32_t>& redeemed) {
  VerifyReport v;
  v.ran = true;
  const auto ids = codes_to_check(plan, redeemed);
  if (o.target == Target::kRedis) {
    verify_redis(o, plan, ids, redeemed, v);
  } else {
    verify_http(o, plan, ids, redeemed, v);
  }
  return v;
}

}  // namespace codeledger::bench
