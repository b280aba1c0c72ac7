// Per-shard storage of redemptions: compact fixed-size records in chunks (never moved, so
// indices and pointers stay valid) whose identifiers, number, promotion name and items live
// in the shard's ByteArena, plus one open-addressing index keyed by (org, customer,
// transaction identifier). Each customer chains its own redemptions newest-first through
// StoredRedemption::prev, so a customer costs no table of its own, and adding a redemption
// costs no heap allocation (a RedemptionView held strings and a vector: five mallocs).
// Readers get a RedemptionRef (views into the record) or a materialised RedemptionView.
// Guarded by the owning shard's mutex.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ledger/byte_arena.h"
#include "ledger/number_index.h"
#include "ledger/types.h"

namespace codeledger::ledger::detail {

// A redemption as views: what the event codec encodes, from a RedemptionView or a record.
struct RedemptionRef {
  ObjectId id;
  OrgId org = 0;
  CustomerId customer = 0;
  std::string_view transaction_identifier;
  std::string_view transaction_number;
  TimeMs transaction_date_ms = 0;
  std::int64_t amount = 0;
  TimeMs redeemed_ms = 0;
  bool reversed = false;
  TimeMs reversed_ms = 0;
  std::span<const RedemptionItem> items;
  std::string_view promotion_name;

  static RedemptionRef of(const RedemptionView& v);
  RedemptionView view() const;
};

// What the index is keyed by, with its hash computed once per command: redeem probes with
// it, mints the redemption id from it and stores it with the record.
struct RedemptionKey {
  OrgId org = 0;
  CustomerId customer = 0;
  std::string_view txn;
  std::uint64_t hash = 0;

  // customer_hash: customer_hash(org, customer), when the caller has it already.
  static RedemptionKey make(OrgId org, CustomerId customer, std::string_view txn,
                            std::uint64_t customer_hash);
  static RedemptionKey make(OrgId org, CustomerId customer, std::string_view txn);
};

struct StoredRedemption {
  ObjectId id;
  std::uint32_t prev = 0;  // 1-based index of the customer's previous redemption, 0 = none
  OrgId org = 0;
  CustomerId customer = 0;
  TimeMs transaction_date_ms = 0;
  std::int64_t amount = 0;
  TimeMs redeemed_ms = 0;
  TimeMs reversed_ms = 0;
  const char* text = nullptr;  // identifier, number and promotion name back to back
  const RedemptionItem* items = nullptr;
  std::uint32_t transaction_identifier_bytes = 0;
  std::uint32_t transaction_number_bytes = 0;
  std::uint32_t promotion_name_bytes = 0;
  std::uint32_t item_count = 0;
  bool reversed = false;

  std::string_view transaction_identifier() const { return {text, transaction_identifier_bytes}; }
  std::span<const RedemptionItem> item_span() const { return {items, item_count}; }
  RedemptionRef ref() const;
  RedemptionView view() const { return ref().view(); }
};
// Chunks are raw arena memory: records are placement-constructed and never destroyed.
static_assert(std::is_trivially_destructible_v<StoredRedemption>);
static_assert(std::is_trivially_copyable_v<RedemptionItem>, "items are copied into arenas as bytes");

class RedemptionStore {
 public:
  static constexpr std::uint32_t kChunkRecords = 64;  // small: most shards hold few

  explicit RedemptionStore(ByteArena& bytes);
  RedemptionStore(const RedemptionStore&) = delete;
  RedemptionStore& operator=(const RedemptionStore&) = delete;

  // 1-based index of the redemption, 0 when absent.
  std::uint32_t find(const RedemptionKey& key) const;
  // Starts loading the index slot of a key hash; safe without the shard lock.
  void prefetch(std::uint64_t key_hash) const { index_.prefetch(key_hash); }
  // Appends a copy of r chained after `prev` (the customer's newest); returns its index.
  // key_hash is the RedemptionKey hash of r; the caller has checked that r's key is absent.
  std::uint32_t append(const RedemptionRef& r, std::uint64_t key_hash, std::uint32_t prev);
  // Overwrites a stored record with r (same org, customer and transaction identifier).
  void replace(StoredRedemption& old, const RedemptionRef& r);
  StoredRedemption& at(std::uint32_t i1) { return records_[i1 - 1]; }
  const StoredRedemption& at(std::uint32_t i1) const { return records_[i1 - 1]; }

 private:
  StoredRedemption stored(const RedemptionRef& r, std::uint32_t prev);

  ByteArena& bytes_;
  ArenaVec<StoredRedemption, kChunkRecords> records_;
  NumberIndex index_;
};

}  // namespace codeledger::ledger::detail
