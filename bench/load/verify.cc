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

using Counts = std::unordered_map<std::uint32_t, std::uint64_t>;  // code id -> redemptions

// The target's redemption count of each code of one batch (a code it does not know stays
// out, which the verdict counts as 0).
Counts http_counts(SyncHttp& client, simdjson::dom::parser& parser, const Plan& plan,
                   std::span<const std::uint32_t> batch) {
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
  Counts counts;
  for (auto rec : records) {
    std::string_view code;
    std::uint64_t count = 0;
    if (rec["code"].get(code) || rec["redemptionCount"].get(count)) {
      throw std::runtime_error("verify: record without code/redemptionCount");
    }
    if (const auto it = index.find(code); it != index.end()) counts[it->second] = count;
  }
  return counts;
}

Counts redis_counts(SyncRedis& client, const Plan& plan, std::span<const std::uint32_t> batch) {
  std::string commands;
  for (const std::uint32_t id : batch) {
    const std::string key = redis::code_key(plan.redis_prefix, plan.codes[id]);
    const std::string_view args[] = {"HGET", key, "used"};
    redis::command(commands, args);
  }
  const std::string raw = client.call(commands, batch.size());
  std::string_view rest(raw);
  Counts counts;  // a missing key (nil) stays out
  for (const std::uint32_t id : batch) {
    resp::Reply reply;
    rest.remove_prefix(resp::parse(rest, &reply));
    if (reply.kind == resp::Kind::kBulk) counts[id] = std::stoull(std::string(reply.text));
  }
  return counts;
}

// ids judged kLookupBatch at a time, each batch's counts read by read_counts(batch).
template <class ReadCounts>
void judge_in_batches(const Plan& plan, const std::vector<std::uint32_t>& ids,
                      const std::unordered_map<std::uint32_t, std::uint32_t>& redeemed,
                      VerifyReport& v, ReadCounts&& read_counts) {
  for (std::size_t at = 0; at < ids.size(); at += kLookupBatch) {
    const std::span<const std::uint32_t> batch(ids.data() + at, std::min(kLookupBatch, ids.size() - at));
    judge_batch(v, batch, read_counts(batch), redeemed, plan.code_limit, plan.codes);
  }
}

}  // namespace

VerifyReport verify_redemptions(const Options& o, const Plan& plan,
                                const std::unordered_map<std::uint32_t, std::uint32_t>& redeemed) {
  VerifyReport v;
  v.ran = true;
  const auto ids = codes_to_check(plan, redeemed);
  if (o.target == Target::kRedis) {
    SyncRedis client(o);
    judge_in_batches(plan, ids, redeemed, v, [&](std::span<const std::uint32_t> batch) {
      return redis_counts(client, plan, batch);
    });
  } else {
    SyncHttp client(o, plan.host_header, plan.authorization);
    simdjson::dom::parser parser;
    judge_in_batches(plan, ids, redeemed, v, [&](std::span<const std::uint32_t> batch) {
      return http_counts(client, parser, plan, batch);
    });
  }
  return v;
}

}  // namespace codeledger::bench
