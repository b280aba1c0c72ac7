// Per-API-key rate limiting with GCRA (the generic cell rate algorithm, equivalent to a token
// bucket of `burst` tokens refilled at `per_minute`), plus a per-client-address limit on
// failed authentication.
//
// Each key has one 64-bit theoretical arrival time (TAT, nanoseconds) updated by a CAS loop:
// no lock, and two keys never touch the same cache line's state, so unrelated keys never
// serialise. The key table is immutable once published; reload() publishes a new table that
// shares the cells of keys that remain (their state survives), waits until every look-up
// that may still read the old table has ended (each reads inside a ReadSection,
// read_section.h), then frees it: readers take no lock and no reference count, and a reload
// no longer keeps the table it replaced (probe 36a: about 685 B per key per reload, kept
// until the process ended). The RateLimit-Policy texts that answers view are not in the
// table: the limiter keeps one per distinct rate it has been given (see RateDecision).
//
// Failed authentication is charged to a fixed array of cells indexed by a hash of the
// client address: bounded memory whatever the number of attacking addresses. Colliding
// addresses share a cell, so the hash is keyed with a random key of this process (SipHash):
// with the unkeyed hash it had, anyone could work out offline which of their own addresses
// shared a victim's cell, and lock the victim out by failing from it (probe 34c). An IPv6
// address counts by its /64, which one host usually holds whole: otherwise one host could
// fail from an address in every cell and lock out everyone.
//
// Thread safety: every method may be called from any thread; reload() calls are
// serialised by reload_mu_.
#pragma once

#include <atomic>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/http/config.h"

namespace codeledger::server {

using NanoClock = std::function<std::int64_t()>;
std::int64_t steady_clock_ns();

// The long-run rate and the burst (bucket size) of one policy.
struct RatePolicy {
  std::uint32_t per_minute = 1'000;
  std::uint32_t burst = 100;
};

struct GcraParams {
  std::int64_t interval_ns = 0;   // emission interval: 60 s / per_minute
  std::int64_t tolerance_ns = 0;  // (burst - 1) * interval_ns, at most a century
  std::uint32_t burst = 1;
  static GcraParams from(const RatePolicy& policy);
  bool operator==(const GcraParams&) const = default;
};

struct RateDecision {
  bool limited = false;             // false: no policy applied (an unknown key)
  bool admitted = true;
  std::uint32_t remaining = 0;      // requests still admissible right now
  std::int64_t retry_after_ns = 0;  // rejected: wait this long for the next admission
  std::int64_t reset_ns = 0;        // time until the bucket is full again
  // The RateLimit-Policy value this was decided under (empty from GcraCell alone): text the
  // limiter keeps until it is destroyed, so answers hold a view of it, not a copy. An answer
  // may wait (for durability, in the background lane) long after a reload freed the table
  // it was decided from, so the text lives apart from the table: one per distinct
  // rate_limit_per_minute ever loaded, tens of bytes each.
  std::string_view policy;
};

// One GCRA state word.
class GcraCell {
 public:
  RateDecision take(std::int64_t now_ns, const GcraParams& p);
  // What take() would answer for admission, without consuming.
  RateDecision peek(std::int64_t now_ns, const GcraParams& p) const;
  // The state kept under `from` restated for `to`: the requests admissible now (a fraction
  // of one counted) stay as they were, at most `to`'s burst, and refill at `to`'s rate. The
  // TAT alone means nothing without the parameters it was kept under: read under others it
  // handed a drained key a full new burst, or a wait of minutes (probe 34c).
  void restate(std::int64_t now_ns, const GcraParams& from, const GcraParams& to);

 private:
  // Far in the past: a fresh cell admits a full burst whatever the clock's origin.
  std::atomic<std::int64_t> tat_ns_{INT64_MIN / 4};
};

// The values of draft-ietf-httpapi-ratelimit-headers. RateLimit-Policy:
// `"name";q=<per_minute>;w=60`, built once per key when the limits load.
std::string rate_limit_policy_header(std::string_view name, const RatePolicy& policy);
// RateLimit: `"name";r=<remaining>;t=<seconds>`, written at `out`, which has
// name.size() + kRateLimitNumbersBytesMax bytes free; returns its end. `reset_s` is
// RateDecision::reset_ns in ceil_seconds.
inline constexpr std::size_t kRateLimitNumbersBytesMax = 38;  // quotes, ";r=", ";t=", digits
char* write_rate_limit_value(char* out, std::string_view name, std::uint32_t remaining,
                             std::int64_t reset_s);
// Whole seconds, rounded up, never below 1 for a positive duration (Retry-After, t=).
std::int64_t ceil_seconds(std::int64_t ns);

// A client address as 16 bytes (IPv4 mapped into IPv6).
using ClientAddress = std::array<std::uint8_t, 16>;

// Where an address's failed authentications are counted (RateLimiter::slot_of), found once
// per connection (the keyed hash takes 119 ns, BM_RateLimitAddressSlot; a request's own work
// is kept free of it).
struct AddressSlot {
  std::uint32_t index = 0;
};

class RateLimiter {
 public:
  RateLimiter(const std::vector<ApiKeyConfig>& keys, RatePolicy auth_failures,
              NanoClock clock = steady_clock_ns);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Charges one request to `key`. Unknown keys are not limited (limited = false).
  RateDecision admit_key(std::string_view key) const;

  // The slot of `client`'s failed authentications.
  AddressSlot slot_of(const ClientAddress& client) const;
  // Failed authentication from a client: check_address() peeks before the expensive
  // credential check, charge_failure() consumes after a failure.
  RateDecision check_address(AddressSlot client) const;
  RateDecision charge_failure(AddressSlot client);

  // A place for a body-token bulk call (Altcraft) from `client` in the background lane,
  // where it waits before anything has authenticated it; held until the returned handle and
  // its copies are gone. Null when the address holds kUnverifiedPlacesMax already: one
  // address cannot fill the lane that every organisation's bulk calls share with calls that
  // will never authenticate (probe 34c).
  static constexpr std::uint8_t kUnverifiedPlacesMax = 2;
  std::shared_ptr<void> hold_unverified_place(AddressSlot client);

  // Publishes new per-key limits; keys that remain keep their state and counters. Returns
  // once the old table is freed: it waits for look-ups already reading it (microseconds), so
  // it must not be called from inside a ReadSection.
  void reload(const std::vector<ApiKeyConfig>& keys);

  // codeledger_rate_limited_requests_total{key=...} and friends, Prometheus text.
  void append_metrics(std::string& out) const;

 private:
  // One cache line per key: keys updated from different threads never share one.
  struct alignas(64) KeyCell {
    GcraCell gcra;
    std::atomic<std::uint64_t> admitted_total{0};
    std::atomic<std::uint64_t> limited_total{0};
  };
  struct KeyEntry {
    GcraParams params;
    std::shared_ptr<KeyCell> cell;
    std::string_view policy_header;  // in policy_texts_
  };
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Table = std::unordered_map<std::string, KeyEntry, NameHash, std::equal_to<>>;
  // 512 KiB of cells: an attacker needs addresses in many /64s (or IPv4 addresses) to
  // crowd them.
  static constexpr std::size_t kAddressCells = 65'536;  // power of two

  // The caller holds a ReadSection for as long as it uses the entry.
  const KeyEntry* find(std::string_view key) const;
  // The RateLimit-Policy text of `policy`, made at its rate's first use; reload_mu_ held.
  std::string_view policy_text(const RatePolicy& policy);

  NanoClock clock_;
  GcraParams failure_params_;
  std::string failure_policy_header_;
  // The published table, read (seq_cst, read_section.h) inside a ReadSection only.
  std::atomic<const Table*> table_{nullptr};
  std::mutex reload_mu_;
  std::unique_ptr<Table> table_owned_;  // guarded by reload_mu_: owns what table_ points at
  // per_minute -> its RateLimit-Policy text. Guarded by reload_mu_ for inserting; entries are
  // never changed or removed (map nodes stay put), so answers may view them lock-free.
  std::map<std::uint32_t, std::string> policy_texts_;
  mutable std::unique_ptr<GcraCell[]> address_cells_;
  std::unique_ptr<std::atomic<std::uint8_t>[]> unverified_places_;  // per address slot
  const std::string address_key_;  // the SipHash key of slot_of(), random per process
  mutable std::atomic<std::uint64_t> failures_limited_total_{0};
};

}  // namespace codeledger::server
