// A customer's wallet: the promotions issued (earned) to it, in issue order, found by earn id
// (redeem, reverse, revoke) and by promotion and contextId (an issue's retry check).
//
// Why an index: a wallet has no bound in the log (a replayed log is applied whatever the
// per-customer cap is now, see OrgSettings::wallet_entries_max), and every
// look-up ran under the customer's shard lock. Scans of a 200,005-entry wallet made a
// redeem of its newest entry take 9.6 ms and a revoke of 1,000 ids 1.15 s, with every other
// command of that shard waiting (probe 36a). Most wallets hold one or two entries, though:
// those are scanned, and only a wallet of kIndexFromEntries or more pays for an index.
//
// Entries are never removed or moved to another position (revoke and redeem change a
// status), so a position is a stable name for an entry: the index stores positions, and a
// wallet page's cursor is one (Ledger::wallet). Guarded by the customer's shard mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/types.h"

namespace codeledger::ledger::detail {

struct EarnedRecord {
  ObjectId id;
  std::uint32_t promo_number = 0;
  std::string context_id;
  TimeMs event_time_ms = 0;
  // Its own end (kNoTime: none), from earnValidityMs, without its promotion's: that is read
  // when the entry is, so a promotion update moves it (detail::entry_valid_till).
  TimeMs own_valid_till_ms = kNoTime;
  EarnStatus status = EarnStatus::kActive;
};

class Wallet {
 public:
  // Below this many entries a look-up scans them (about 1 KiB of records); from here on
  // the wallet keeps an index: two hash slots of 8 bytes an entry, at a load of 3/8 to 3/4
  // (21-43 bytes an entry; measured with the records, docs/operations.md "Memory").
  static constexpr std::size_t kIndexFromEntries = 16;

  Wallet();
  ~Wallet();
  Wallet(const Wallet&) = delete;
  Wallet& operator=(const Wallet&) = delete;

  std::size_t size() const { return entries_.size(); }
  // Oldest first; a position is the entry's for good.
  std::span<const EarnedRecord> entries() const { return entries_; }

  // The entry with this earn id, or nullptr. Ids are minted unique; should two entries
  // share one, the first issued is found, as the scan this replaced found it.
  EarnedRecord* find(const ObjectId& id);
  // The entry of promotion `promo_number` issued in context `context_id`, or nullptr (the
  // first issued, should an old log hold two: retries were not recognised before probe 33).
  const EarnedRecord* find_issued(std::uint32_t promo_number, std::string_view context_id) const;

  // Appends an entry (apply). May allocate the index: like the vector's growth, a failure
  // here is an apply failure (Impl::commit).
  void add(EarnedRecord e);
  // Replaces every entry (a snapshot load), the index rebuilt from them.
  void assign(std::vector<EarnedRecord> entries);

 private:
  class Index;
  void index_all();

  std::vector<EarnedRecord> entries_;
  std::unique_ptr<Index> index_;  // null below kIndexFromEntries
};

}  // namespace codeledger::ledger::detail
