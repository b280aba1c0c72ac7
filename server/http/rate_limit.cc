#include "server/http/rate_limit.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <utility>

#include "ledger/status.h"
#include "server/crypto/secrets.h"
#include "server/http/metrics.h"
#include "server/http/read_section.h"

namespace codeledger::server {
namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kSecondNs = 1'000'000'000;
// The most burst a policy can bank: a century at its rate. (burst - 1) x interval reaches
// 2^63 ns for bursts the config accepts (1 a minute with a burst of 160 million), and the
// wrapped tolerance refused a fresh key's first request with a Retry-After of centuries; a
// century keeps every sum of clock and tolerance far from the limit.
constexpr std::int64_t kToleranceMaxNs = 100LL * 366 * 24 * 3600 * kSecondNs;
constexpr std::string_view kKeyPolicyName = "default";
constexpr std::string_view kFailurePolicyName = "auth-failures";

// The part of an address that counts: all of an IPv4 address (mapped: ::ffff:a.b.c.d),
// the /64 of an IPv6 one.
std::string_view counted_part(const ClientAddress& a) {
  constexpr std::array<std::uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  const bool v4 = std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), a.begin());
  return {reinterpret_cast<const char*>(a.data()), v4 ? a.size() : 8};
}

}  // namespace

std::int64_t steady_clock_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

GcraParams GcraParams::from(const RatePolicy& policy) {
  CL_CHECK(policy.per_minute > 0 && policy.burst > 0);
  GcraParams p;
  // Rounded up: a fraction of a nanosecond per request errs on the strict side.
  p.interval_ns = (kMinuteNs + policy.per_minute - 1) / policy.per_minute;
  const std::int64_t banked = static_cast<std::int64_t>(policy.burst) - 1;
  p.tolerance_ns = banked > kToleranceMaxNs / p.interval_ns ? kToleranceMaxNs : banked * p.interval_ns;
  p.burst = policy.burst;
  return p;
}

RateDecision GcraCell::take(std::int64_t now_ns, const GcraParams& p) {
  RateDecision d;
  d.limited = true;
  std::int64_t tat = tat_ns_.load(std::memory_order_relaxed);
  while (true) {
    const std::int64_t base = std::max(tat, now_ns);
    if (base - now_ns > p.tolerance_ns) {
      d.admitted = false;
      d.remaining = 0;
      d.retry_after_ns = base - now_ns - p.tolerance_ns;
      d.reset_ns = base - now_ns;
      return d;
    }
    const std::int64_t next = base + p.interval_ns;
    // Relaxed is enough: the TAT is the only state, no other memory is published with it.
    if (tat_ns_.compare_exchange_weak(tat, next, std::memory_order_relaxed)) {
      d.admitted = true;
      d.remaining = static_cast<std::uint32_t>(
          (p.tolerance_ns + p.interval_ns - (next - now_ns)) / p.interval_ns);
      d.reset_ns = next - now_ns;
      return d;
    }
  }
}

RateDecision GcraCell::peek(std::int64_t now_ns, const GcraParams& p) const {
  RateDecision d;
  d.limited = true;
  const std::int64_t base = std::max(tat_ns_.load(std::memory_order_relaxed), now_ns);
  d.reset_ns = base - now_ns;
  if (base - now_ns > p.tolerance_ns) {
    d.admitted = false;
    d.retry_after_ns = base - now_ns - p.tolerance_ns;
  } else {
    d.remaining = static_cast<std::uint32_t>((p.tolerance_ns - (base - now_ns)) / p.interval_ns + 1);
  }
  return d;
}

void GcraCell::restate(std::int64_t now_ns, const GcraParams& from, const GcraParams& to) {
  std::int64_t tat = tat_ns_.load(std::memory_order_relaxed);
  while (true) {
    // The credit: how far the TAT may still move before a request is refused, in `from`'s
    // nanoseconds (tolerance + interval when the bucket is full), and the same share of
    // `to`'s. 128 bits: credit x interval passes 2^63 for long tolerances.
    const std::int64_t ahead = std::max<std::int64_t>(0, tat - now_ns);
    const std::int64_t credit = std::max<std::int64_t>(0, from.tolerance_ns + from.interval_ns - ahead);
    const std::int64_t full = to.tolerance_ns + to.interval_ns;
    const auto scaled = static_cast<__int128>(credit) * to.interval_ns / from.interval_ns;
    const std::int64_t kept = static_cast<std::int64_t>(std::min<__int128>(scaled, full));
    const std::int64_t next = now_ns + full - kept;
    if (tat_ns_.compare_exchange_weak(tat, next, std::memory_order_relaxed)) return;
  }
}

std::int64_t ceil_seconds(std::int64_t ns) {
  if (ns <= 0) return 0;
  return (ns + kSecondNs - 1) / kSecondNs;
}

std::string rate_limit_policy_header(std::string_view name, const RatePolicy& policy) {
  std::string out = "\"";
  out += name;
  out += "\";q=";
  out += std::to_string(policy.per_minute);
  out += ";w=60";
  return out;
}

char* write_rate_limit_value(char* out, std::string_view name, std::uint32_t remaining,
                             std::int64_t reset_s) {
  char* p = out;
  *p++ = '"';
  p = std::ranges::copy(name, p).out;
  p = std::ranges::copy(std::string_view("\";r="), p).out;
  p = std::to_chars(p, p + 10, remaining).ptr;  // at most 10 digits
  p = std::ranges::copy(std::string_view(";t="), p).out;
  return std::to_chars(p, p + 20, reset_s).ptr;  // at most 19 digits and a sign
}

RateLimiter::RateLimiter(const std::vector<ApiKeyConfig>& keys, RatePolicy auth_failures,
                         NanoClock clock)
    : clock_(std::move(clock)),
      failure_params_(GcraParams::from(auth_failures)),
      failure_policy_header_(rate_limit_policy_header(kFailurePolicyName, auth_failures)),
      address_cells_(std::make_unique<GcraCell[]>(kAddressCells)),
      unverified_places_(std::make_unique<std::atomic<std::uint8_t>[]>(kAddressCells)),
      address_key_(crypto::random_bytes(crypto::kSipHashKeyBytes)) {
  reload(keys);
}

RateLimiter::~RateLimiter() = default;

std::string_view RateLimiter::policy_text(const RatePolicy& policy) {
  auto [it, added] = policy_texts_.try_emplace(policy.per_minute);
  if (added) it->second = rate_limit_policy_header(kKeyPolicyName, policy);
  return it->second;
}

void RateLimiter::reload(const std::vector<ApiKeyConfig>& keys) {
  std::lock_guard lock(reload_mu_);
  const Table* old = table_owned_.get();  // only reloads, serialised here, free tables
  auto table = std::make_unique<Table>();
  table->reserve(keys.size());
  for (const ApiKeyConfig& k : keys) {
    const RatePolicy policy{k.rate_limit_per_minute, k.rate_limit_burst};
    KeyEntry entry{GcraParams::from(policy), nullptr, policy_text(policy)};
    if (old) {
      if (auto it = old->find(k.name); it != old->end()) {
        entry.cell = it->second.cell;
        // Before the new table is published: until then requests read the old limits with
        // the restated state, for microseconds, which errs by at most a request or two.
        if (it->second.params != entry.params) {
          entry.cell->gcra.restate(clock_(), it->second.params, entry.params);
        }
      }
    }
    if (!entry.cell) entry.cell = std::make_shared<KeyCell>();
    table->emplace(k.name, std::move(entry));
  }
  // seq_cst: ordered before wait_for_readers()'s reads of the readers' slots.
  table_.store(table.get(), std::memory_order_seq_cst);
  const std::unique_ptr<Table> retired = std::exchange(table_owned_, std::move(table));
  if (retired) wait_for_readers();
}  // `retired` is freed here (and the cells of keys that went with it): no look-up holds it

const RateLimiter::KeyEntry* RateLimiter::find(std::string_view key) const {
  const Table* t = table_.load(std::memory_order_seq_cst);  // see read_section.h
  const auto it = t->find(key);  // transparent: no temporary string
  return it == t->end() ? nullptr : &it->second;
}

RateDecision RateLimiter::admit_key(std::string_view key) const {
  const ReadSection section;  // `e` and its cell are the table's until it ends
  const KeyEntry* e = find(key);
  if (!e) return {};
  RateDecision d = e->cell->gcra.take(clock_(), e->params);
  d.policy = e->policy_header;
  (d.admitted ? e->cell->admitted_total : e->cell->limited_total)
      .fetch_add(1, std::memory_order_relaxed);
  return d;
}

AddressSlot RateLimiter::slot_of(const ClientAddress& client) const {
  const std::uint64_t h = crypto::siphash64(address_key_, counted_part(client));
  return AddressSlot{static_cast<std::uint32_t>(h & (kAddressCells - 1))};
}

RateDecision RateLimiter::check_address(AddressSlot client) const {
  RateDecision d = address_cells_[client.index].peek(clock_(), failure_params_);
  d.policy = failure_policy_header_;
  if (!d.admitted) failures_limited_total_.fetch_add(1, std::memory_order_relaxed);
  return d;
}

RateDecision RateLimiter::charge_failure(AddressSlot client) {
  RateDecision d = address_cells_[client.index].take(clock_(), failure_params_);
  d.policy = failure_policy_header_;
  if (!d.admitted) failures_limited_total_.fetch_add(1, std::memory_order_relaxed);
  return d;
}

std::shared_ptr<void> RateLimiter::hold_unverified_place(AddressSlot client) {
  std::atomic<std::uint8_t>& held = unverified_places_[client.index];
  std::uint8_t n = held.load(std::memory_order_relaxed);
  do {
    if (n >= kUnverifiedPlacesMax) return nullptr;
  } while (!held.compare_exchange_weak(n, static_cast<std::uint8_t>(n + 1), std::memory_order_relaxed));
  // No object to own: the deleter gives the place back (the limiter outlives every call).
  return std::shared_ptr<void>(&held, [](std::atomic<std::uint8_t>* h) {
    h->fetch_sub(1, std::memory_order_relaxed);
  });
}

void RateLimiter::append_metrics(std::string& out) const {
  const ReadSection section;  // the rows below point into the table
  const Table* t = table_.load(std::memory_order_seq_cst);
  std::vector<const Table::value_type*> rows;
  for (const auto& row : *t) rows.push_back(&row);
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::string labels;
  const auto per_key = [&](std::string_view name, std::string_view help, auto counter) {
    prom::family(out, name, "counter", help);
    for (const auto* row : rows) {
      labels.clear();
      prom::label(labels, "key", row->first);
      prom::sample(out, name, labels, (row->second.cell.get()->*counter).load(std::memory_order_relaxed));
    }
  };
  per_key("codeledger_rate_limited_requests_total", "Requests refused with 429, by API key.",
          &KeyCell::limited_total);
  per_key("codeledger_rate_admitted_requests_total", "Requests the rate limiter admitted, by API key.",
          &KeyCell::admitted_total);
  prom::family(out, "codeledger_auth_failures_rate_limited_total", "counter",
               "Requests refused with 429 because their client address failed authentication "
               "too often.");
  prom::sample(out, "codeledger_auth_failures_rate_limited_total", "",
               failures_limited_total_.load(std::memory_order_relaxed));
}

}  // namespace codeledger::server
