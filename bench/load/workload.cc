#include "bench/load/workload.h"

namespace codeledger::bench {
namespace {

constexpr std::uint32_t kHotRedeemPercent = 70;  // the rest of hot-code is look-ups

}  // namespace

Workload::Workload(const Plan& plan, std::uint64_t seed, unsigned thread_index)
    : plan_(plan),
      rng_(seed),
      zipf_(plan.codes.empty() ? 1 : plan.codes.size(), plan.zipf_s),
      thread_index_(thread_index) {}

std::uint32_t Workload::pick_code() {
  const auto n = static_cast<std::uint32_t>(plan_.codes.size());
  switch (plan_.scenario) {
    case Scenario::kPeakSale:
      // Rank 1 is the hottest; spreading ranks over the pool by a multiplicative hash keeps
      // hot codes from all being neighbours (and so from sharing a ledger shard).
      return static_cast<std::uint32_t>(((zipf_.sample(rng_) - 1) * 2654435761u) % n);
    case Scenario::kLink:
    case Scenario::kRedeem:
      return static_cast<std::uint32_t>(plan_.walk.fetch_add(1, std::memory_order_relaxed) % n);
    case Scenario::kHotCode:
    case Scenario::kLookup:
      return static_cast<std::uint32_t>(rng_() % n);
  }
  return 0;
}

OpKind Workload::pick_peak_sale_op() {
  const auto r = static_cast<std::uint32_t>(rng_() % 100);
  const Mix& m = plan_.mix;
  if (r < m.lookup) return OpKind::kLookup;
  if (r < m.lookup + m.link) return OpKind::kLink;
  if (r < m.lookup + m.link + m.redeem) return OpKind::kRedeem;
  return OpKind::kIssue;
}

Op Workload::next() {
  Op op;
  switch (plan_.scenario) {
    case Scenario::kPeakSale: op.kind = pick_peak_sale_op(); break;
    case Scenario::kLink: op.kind = OpKind::kLink; break;
    case Scenario::kRedeem: op.kind = OpKind::kRedeem; break;
    case Scenario::kLookup: op.kind = OpKind::kLookup; break;
    case Scenario::kHotCode:
      op.kind = rng_() % 100 < kHotRedeemPercent ? OpKind::kRedeem : OpKind::kLookup;
      break;
  }
  op.code = pick_code();
  // Hot-code customers are strangers racing for the same codes; elsewhere a code has one
  // owner, so links succeed (or repeat idempotently) instead of colliding with 1005.
  op.customer = plan_.scenario == Scenario::kHotCode
                    ? plan_.customer_base + rng_() % 1'000'000
                    : plan_.owner_of(op.code);
  if (op.kind == OpKind::kIssue) op.customer = plan_.customer_base + rng_() % plan_.codes.size();
  return op;
}

void Workload::unique_id(char kind) {
  id_.assign(plan_.run_tag).push_back(kind);
  id_.append(std::to_string(thread_index_)).push_back('X');
  id_.append(std::to_string(++counter_));
}

void Workload::render(const Op& op, std::string& out, std::int64_t now_ms) {
  const std::string& code = plan_.codes[op.code];
  if (op.kind == OpKind::kRedeem) unique_id('T');
  if (op.kind == OpKind::kIssue) unique_id('C');
  if (plan_.target == Target::kRedis) {
    switch (op.kind) {
      case OpKind::kLookup: redis::lookup(out, plan_.redis_prefix, code); break;
      case OpKind::kLink: redis::link(out, plan_.sha_link, plan_.redis_prefix, code, op.customer); break;
      case OpKind::kRedeem:
        redis::redeem(out, plan_.sha_redeem, plan_.redis_prefix, code, op.customer, id_);
        break;
      case OpKind::kIssue:
        redis::issue(out, plan_.sha_issue, plan_.redis_prefix, plan_.issue_promotion, id_, op.customer);
        break;
    }
    return;
  }
  switch (op.kind) {
    case OpKind::kLookup: api::lookup(call_, code); break;
    case OpKind::kLink: api::link(call_, code, op.customer); break;
    case OpKind::kRedeem: api::redeem(call_, code, op.customer, id_, now_ms); break;
    case OpKind::kIssue: api::issue_bulk(call_, plan_.issue_promotion, id_, op.customer); break;
  }
  api::serialize(out, call_, plan_.host_header, plan_.authorization);
}

}  // namespace codeledger::bench
