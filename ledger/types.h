// Value types of the domain: identifiers, codes, promotion settings and the read views the
// ledger hands out. Plain data; no locks, no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/inline_vec.h"
#include "ledger/status.h"

namespace codeledger::ledger {

using OrgId = std::uint64_t;       // tenant (Capillary orgId)
using CustomerId = std::uint64_t;  // > 0; 0 means "no customer"
using TimeMs = std::int64_t;       // epoch milliseconds, UTC
using Lsn = std::uint64_t;         // log sequence number; 0 = nothing logged

inline constexpr TimeMs kNoTime = 0;
// The latest time the ledger computes as an end (a wallet entry's, from earnValidityMs): the
// bound of every time a request gives (docs/api.md, "Times"; server/wire's kIsoTimeMaxMs,
// checked equal there), so that a time and its ISO twin keep a four-digit year. An end past
// it is no practical end; capped, the number and its ISO text name the same instant.
inline constexpr TimeMs kEndMaxMs = 253'402'214'399'999;  // 9999-12-30T23:59:59.999Z

enum class Mode : std::uint8_t { kDiscount = 0, kPaymentVoucher = 1 };
enum class PromotionKind : std::uint8_t { kCodeLinked = 0, kIssuable = 1 };
enum class RedemptionStrategy : std::uint8_t { kWithoutCartEvaluation = 0, kWithCartEvaluation = 1 };

std::string_view to_string(Mode m);                      // "DISCOUNT" | "PAYMENT_VOUCHER"
std::optional<Mode> parse_mode(std::string_view s);
std::string_view to_string(PromotionKind k);             // "CODE_LINKED" | "ISSUABLE"
std::optional<PromotionKind> parse_kind(std::string_view s);

// 12-byte identifier printed as 24 lowercase hex characters (Mongo ObjectId shape, as in the
// seeds). Ids are minted inside commands and carried in events, so replay reproduces them.
struct ObjectId {
  std::array<std::uint8_t, 12> bytes{};
  // The 24 characters in a fixed buffer: answers write ids without a heap string each.
  struct Hex {
    std::array<char, 24> chars;
    std::string_view view() const { return {chars.data(), chars.size()}; }
  };
  Hex hex_chars() const;
  std::string hex() const { return std::string(hex_chars().view()); }
  static std::optional<ObjectId> parse(std::string_view hex24);
  bool operator==(const ObjectId&) const = default;
  bool is_zero() const;
};

// A validated code: uppercase ASCII letters and digits, 6..39 characters, stored inline
// (no heap string per code). Construct only through CodeKey::make.
class CodeKey {
 public:
  static constexpr std::size_t kMinLength = 6;
  static constexpr std::size_t kMaxLength = 39;

  CodeKey() = default;
  // 902 non-alphanumeric, 903 too short, 904 too long, 905 lowercase letters.
  static Result<CodeKey> make(std::string_view text);

  std::string_view view() const { return {data_.data(), len_}; }
  std::size_t size() const { return len_; }
  bool operator==(const CodeKey& o) const { return view() == o.view(); }

 private:
  std::array<char, kMaxLength> data_{};
  std::uint8_t len_ = 0;
};

// Everything a promotion is configured with. Limits of 0 mean "unlimited".
struct PromotionSpec {
  std::string name;                            // 1..128 bytes
  Mode mode = Mode::kDiscount;
  PromotionKind kind = PromotionKind::kCodeLinked;
  TimeMs valid_from_ms = kNoTime;              // 0 = from creation
  TimeMs valid_till_ms = kNoTime;              // 0 = never expires
  bool active = true;
  std::uint32_t per_code_redemptions_max = 1;  // 1 = single use
  std::uint32_t per_customer_redemptions_max = 0;
  std::uint32_t per_customer_earns_max = 0;
  TimeMs earn_validity_ms = 0;                 // issued entries valid this long (0 = promotion end)
  bool operator==(const PromotionSpec&) const = default;
};

// Optional fields of an update; unset fields keep their value.
struct PromotionPatch {
  std::optional<std::string> name;
  std::optional<TimeMs> valid_from_ms, valid_till_ms;
  std::optional<bool> active;
  std::optional<std::uint32_t> per_code_redemptions_max, per_customer_redemptions_max,
      per_customer_earns_max;
  std::optional<TimeMs> earn_validity_ms;
};

struct PromotionView {
  ObjectId id;
  OrgId org = 0;
  PromotionSpec spec;
  TimeMs created_ms = 0;
  TimeMs updated_ms = 0;
  std::uint64_t code_count = 0;
};

struct RedemptionItem {
  std::optional<CodeKey> code;               // either a code (with mode) ...
  Mode mode = Mode::kDiscount;
  std::optional<ObjectId> earned_promotion_id;  // ... or an earned promotion
  ObjectId promotion_id;                     // filled by the ledger
  std::int64_t discount = 0;                 // minor units
  std::uint32_t count = 1;                   // redemptionCount
};

// A redemption's items, up to 20. Most name one code: that one is held inline, so a redeem
// request and its answer take no heap block for their items (the design brief's hot path).
using RedemptionItems = InlineVec<RedemptionItem, 1>;

struct RedemptionView {
  ObjectId id;
  OrgId org = 0;
  CustomerId customer = 0;
  std::string transaction_identifier;
  std::string transaction_number;
  TimeMs transaction_date_ms = 0;
  std::int64_t amount = 0;
  TimeMs redeemed_ms = 0;
  bool reversed = false;
  TimeMs reversed_ms = 0;
  RedemptionItems items;
  // Of the first item; in a code's history (code_redemptions), of that code's promotion.
  std::string promotion_name;
};

struct CodeView {
  ObjectId id;
  OrgId org = 0;
  ObjectId promotion_id;
  // Into the promotion's immutable version, which lives as long as the ledger: a look-up
  // copies no string.
  std::string_view promotion_name;
  CodeKey code;
  CustomerId customer = 0;                   // 0 = not linked
  // What link and redeem enforce: the code's own flag and window within its promotion's
  // (active only while both are; the later start, the earlier end; 0 = no end).
  bool active = true;
  TimeMs created_ms = 0;
  TimeMs valid_till_ms = 0;
  TimeMs redeemable_from_ms = 0;
  Mode mode = Mode::kDiscount;
  std::uint32_t redemption_count = 0;
  std::uint32_t redemptions_max = 1;
  std::vector<RedemptionView> redemptions;   // filled only when asked for
};

enum class EarnStatus : std::uint8_t { kActive = 0, kRedeemed = 1, kRevoked = 2 };
std::string_view to_string(EarnStatus s);    // "ACTIVE" | "REDEEMED" | "REVOKED"

struct EarnedView {
  ObjectId id;
  CustomerId customer = 0;
  ObjectId promotion_id;
  std::string promotion_name;
  std::string earned_from_id;                // contextId
  TimeMs event_time_ms = 0;
  // What redeem enforces: the entry's own end within its promotion's current one (0 = none).
  TimeMs valid_till_ms = 0;
  EarnStatus status = EarnStatus::kActive;
};

// Customer identifiers kept so that Altcraft's `matching` modes can find a profile.
struct CustomerProfile {
  CustomerId id = 0;
  std::string external_id;                   // Altcraft profile_id
  std::string email;
  std::string phone;
  std::vector<std::pair<std::string, std::string>> custom_fields;
};

// What a stored profile counts toward LedgerLimits::profile_bytes_per_org_max: the bytes of
// its texts plus kProfileFieldOverheadBytes for each custom field (its index entry and
// nodes), about what it takes in memory (docs/operations.md, "Memory").
inline constexpr std::uint64_t kProfileFieldOverheadBytes = 256;
std::uint64_t profile_bytes(const CustomerProfile& p);

struct OrgSettings {
  RedemptionStrategy strategy = RedemptionStrategy::kWithoutCartEvaluation;
  std::string time_zone = "UTC";             // IANA name; used by server/ for *ISO fields
  std::uint32_t active_promotions_max = 1000;  // 705 beyond this
  // Codes the organisation may hold, over all its promotions (413 beyond this), so that one
  // organisation cannot fill the server's memory for all. Configuration only: snapshots
  // keep the other settings but not this one.
  std::uint64_t codes_max = 10'000'000;
  // Entries one customer's wallet may hold, redeemed and revoked ones included (they stay,
  // as its history): an issue past it is refused for that customer (413), so one customer's
  // wallet cannot grow without bound. Checked by issue alone: a replayed log is applied
  // whatever the limit is now. Configuration only, like codes_max.
  std::uint32_t wallet_entries_max = 10'000;
};

}  // namespace codeledger::ledger
