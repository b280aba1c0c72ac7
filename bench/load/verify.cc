// After a run: no code may have more successful redemptions than its limit, and every
// redemption a client saw acknowledged must be visible in the target afterwards.
#include <simdjson.h>

#include <stdexcept>

#include "bench/load/resp.h"
#include "bench/load/setup.h"

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

void judge(VerifyReport& v, const Plan& plan, std::uint32_t code, std::uint64_t server_count,
           std::uint32_t client_count) {
  ++v.codes_checked;
  const bool doubled = server_count > plan.code_limit || client_count > plan.code_limit;
  const bool lost = server_count < client_count;
  if (doubled) ++v.double_redemptions;
  if (lost) ++v.lost_acks;
  if ((doubled || lost) && v.notes.size() < 8) {
    v.notes.push_back(plan.codes[code] + ": server counts " + std::to_string(server_count) +
                      " redemptions, clients saw " + std::to_string(client_count) +
                      " succeed, limit " + std::to_string(plan.code_limit));
  }
}

void verify_http(const Options& o, const Plan& plan, const std::vector<std::uint32_t>& ids,
                 const std::unordered_map<std::uint32_t, std::uint32_t>& redeemed, VerifyReport& v) {
  SyncHttp client(o, plan.host_header, plan.authorization);
  simdjson::dom::parser parser;
  for (std::size_t at = 0; at < ids.size(); at += kLookupBatch) {
    std::vector<std::string> batch;
    std::unordered_map<std::string_view, std::uint32_t> index;
    for (std::size_t i = at; i < ids.size() && i < at + kLookupBatch; ++i) {
      batch.push_back(plan.codes[ids[i]]);
      index[plan.codes[ids[i]]] = ids[i];
    }
    const auto a = client.call(api::lookup_codes(batch));
    simdjson::dom::array records;
    if (a.status / 100 != 2 || parser.parse(a.body)["data"].get(records)) {
      throw std::runtime_error("verify look-up failed: HTTP " + std::to_string(a.status) + " " + a.body.substr(0, 300));
    }
    for (auto rec : records) {
      std::string_view code;
      std::uint64_t count = 0;
      if (rec["code"].get(code) || rec["redemptionCount"].get(count)) {
        throw std::runtime_error("verify: record without code/redemptionCount");
      }
      const auto it = index.find(code);
      if (it == index.end()) continue;
      const auto seen = redeemed.find(it->second);
      judge(v, plan, it->second, count, seen == redeemed.end() ? 0 : seen->second);
    }
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
    for (std::size_t i = at; i < end; ++i) {
      resp::Reply reply;
      const std::size_t n = resp::parse(rest, &reply);
      rest.remove_prefix(n);
      const std::uint64_t count = reply.kind == resp::Kind::kBulk ? std::stoull(std::string(reply.text)) : 0;
      const auto seen = redeemed.find(ids[i]);
      judge(v, plan, ids[i], count, seen == redeemed.end() ? 0 : seen->second);
    }
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
