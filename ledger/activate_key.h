// The transaction identifiers Altcraft's activate redeems under: "altcraft:activate:CODE:N"
// for the code's N-th use. Altcraft's activate carries no idempotency key of its own, so each
// one claims the next number (server/altcraft/codes.cc). The ledger keeps the highest number
// each code's uses hold (RedemptionLink, internal.h), so that an activate finds its number
// without reading the code's history: both sides read and write keys through these functions.
// Only the activate creates such keys: Capillary's redeem refuses the prefix
// (server/capillary/redemptions.cc). Before it did, a client could name its redemption so with
// any N, and logs and snapshots of that time may still hold such names: replay accepts them,
// and they are counted like an activate's.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace codeledger::ledger {

inline constexpr std::string_view kActivateKeyPrefix = "altcraft:activate:";

// The highest N counted. Activate numbers grow by one a use, so no code's activates come near
// it (a billion a second would take 30 years); a larger N can only be a name a client chose
// before the prefix was reserved, and counting it made the next activate's number (N + 1,
// plus one per held key) wrap past 2^64 to 0, 1, ... until every activate of the code was
// refused.
inline constexpr std::uint64_t kActivateUseMax = 1'000'000'000'000'000'000;

inline std::string activate_key(std::string_view code, std::uint64_t use) {
  std::string key;
  key.reserve(kActivateKeyPrefix.size() + code.size() + 21);
  key.append(kActivateKeyPrefix).append(code).push_back(':');
  key.append(std::to_string(use));
  return key;
}

// N when txn is the activate key of `code` for use N (N all digits, at most kActivateUseMax;
// a redemption a Capillary client named that way before the prefix was reserved counts the
// same).
inline std::optional<std::uint64_t> activate_key_use(std::string_view txn, std::string_view code) {
  if (!txn.starts_with(kActivateKeyPrefix)) return std::nullopt;
  txn.remove_prefix(kActivateKeyPrefix.size());
  if (!txn.starts_with(code)) return std::nullopt;
  txn.remove_prefix(code.size());
  if (!txn.starts_with(':')) return std::nullopt;
  txn.remove_prefix(1);
  std::uint64_t use = 0;
  const char* end = txn.data() + txn.size();
  const auto [stop, ec] = std::from_chars(txn.data(), end, use);
  if (ec != std::errc() || stop != end || use > kActivateUseMax) return std::nullopt;
  return use;
}

}  // namespace codeledger::ledger
