// Every mutation of the ledger is an Event: commands decide, events record what happened,
// and apply(event) is the only code that changes state, for live traffic and replay alike.
// Ids and timestamps live inside the event so that replay rebuilds the state bit for bit.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "ledger/types.h"

namespace codeledger::ledger {

// Which public API a mutation came through; kept for the auditor's `ledgerctl history`.
enum class Dialect : std::uint8_t { kAdmin = 0, kCapillary = 1, kAltcraft = 2, kReplay = 3 };
std::string_view to_string(Dialect d);

struct EventHeader {
  Lsn lsn = 0;              // assigned by the EventSink when staged
  TimeMs time_ms = 0;       // the command's clock reading
  OrgId org = 0;
  std::string api_key;      // the acting key's name (not its secret)
  Dialect dialect = Dialect::kAdmin;
};

struct PromotionCreated { ObjectId id; std::uint32_t number = 0; PromotionSpec spec; };
struct PromotionUpdated { ObjectId id; PromotionSpec spec; };   // full spec after the patch
struct CodesAdded {
  ObjectId promotion_id;
  TimeMs redeemable_from_ms = 0;
  TimeMs valid_till_ms = 0;
  std::vector<CodeKey> codes;
};
struct CodeLinked { Mode mode = Mode::kDiscount; CodeKey code; CustomerId customer = 0; };
struct CodeUnlinked { Mode mode = Mode::kDiscount; CodeKey code; };
struct CodeUpdated {
  Mode mode = Mode::kDiscount;
  CodeKey code;
  bool set_valid_till = false; TimeMs valid_till_ms = 0;
  bool set_active = false; bool active = true;
};
struct Redeemed { RedemptionView redemption; };                 // items carry promotion ids
struct RedemptionReversed { CustomerId customer = 0; std::string transaction_identifier; };
// valid_till_ms is the entry's own end (earnValidityMs; 0: none), its promotion's not folded
// in, so a promotion update moves the entry's end. Older logs hold the earlier of the two as
// it was at the issue; read the same way, that stays the entry's own end
// (docs/wal-format.md, promotions_earned).
struct EarnedEntry { ObjectId id; CustomerId customer = 0; TimeMs valid_till_ms = 0; };
struct PromotionsEarned {
  ObjectId promotion_id;
  std::string context_id;
  std::vector<EarnedEntry> entries;
};
struct EarnsRevoked { CustomerId customer = 0; std::vector<ObjectId> earn_ids; };
struct CustomersUpserted { std::vector<CustomerProfile> profiles; };

using EventBody = std::variant<PromotionCreated, PromotionUpdated, CodesAdded, CodeLinked,
                               CodeUnlinked, CodeUpdated, Redeemed, RedemptionReversed,
                               PromotionsEarned, EarnsRevoked, CustomersUpserted>;

struct Event {
  EventHeader header;
  EventBody body;
};

// Stable on-disk payload of an event (the WAL frames it; it never looks inside).
// Versioned with a leading byte; decode rejects unknown versions and trailing bytes.
void encode_event(const Event& e, std::string& out);
Result<Event> decode_event(std::string_view bytes);

// Where committed events go. stage() runs inside the critical section of every key the
// event touches, before apply: it assigns header.lsn and stages the bytes, so log order
// equals apply order per key. A non-ok Status (sticky storage failure) aborts the command
// and nothing is applied.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual Status stage(Event& event) = 0;
};

}  // namespace codeledger::ledger
