// Per-shard redemption storage (see redemption_store.h).
#include "ledger/redemption_store.h"

#include "ledger/internal.h"

namespace codeledger::ledger::detail {

RedemptionRef RedemptionRef::of(const RedemptionView& v) {
  return RedemptionRef{v.id,          v.org,         v.customer,     v.transaction_identifier,
                       v.transaction_number,         v.transaction_date_ms, v.amount,
                       v.redeemed_ms, v.reversed,    v.reversed_ms,  v.items,
                       v.promotion_name};
}

RedemptionView RedemptionRef::view() const {
  RedemptionView v;
  v.id = id;
  v.org = org;
  v.customer = customer;
  v.transaction_identifier = transaction_identifier;
  v.transaction_number = transaction_number;
  v.transaction_date_ms = transaction_date_ms;
  v.amount = amount;
  v.redeemed_ms = redeemed_ms;
  v.reversed = reversed;
  v.reversed_ms = reversed_ms;
  v.items.assign(items.begin(), items.end());
  v.promotion_name = promotion_name;
  return v;
}

RedemptionRef StoredRedemption::ref() const {
  const char* number = text + transaction_identifier_bytes;
  const char* name = number + transaction_number_bytes;
  return RedemptionRef{id,
                       org,
                       customer,
                       transaction_identifier(),
                       {number, transaction_number_bytes},
                       transaction_date_ms,
                       amount,
                       redeemed_ms,
                       reversed,
                       reversed_ms,
                       item_span(),
                       {name, promotion_name_bytes}};
}

RedemptionKey RedemptionKey::make(OrgId org, CustomerId customer, std::string_view txn,
                                  std::uint64_t customer_hash) {
  return RedemptionKey{org, customer, txn, hash_bytes(txn, customer_hash)};
}

RedemptionKey RedemptionKey::make(OrgId org, CustomerId customer, std::string_view txn) {
  return make(org, customer, txn, detail::customer_hash(org, customer));
}

RedemptionStore::RedemptionStore(ByteArena& bytes) : bytes_(bytes), records_(bytes) {}

std::uint32_t RedemptionStore::find(const RedemptionKey& key) const {
  return index_.find(key.hash, [&](std::uint32_t i1) {
    const StoredRedemption& r = at(i1);
    return r.customer == key.customer && r.org == key.org && r.transaction_identifier() == key.txn;
  });
}

// The record with its text and items copied into the arena.
StoredRedemption RedemptionStore::stored(const RedemptionRef& r, std::uint32_t prev) {
  const std::size_t text_bytes =
      r.transaction_identifier.size() + r.transaction_number.size() + r.promotion_name.size();
  char* text = text_bytes == 0 ? nullptr : static_cast<char*>(bytes_.allocate(text_bytes, 1));
  char* at = text;
  for (std::string_view part : {r.transaction_identifier, r.transaction_number, r.promotion_name}) {
    if (part.empty()) continue;
    std::memcpy(at, part.data(), part.size());
    at += part.size();
  }
  StoredRedemption s;
  s.id = r.id;
  s.prev = prev;
  s.org = r.org;
  s.customer = r.customer;
  s.transaction_date_ms = r.transaction_date_ms;
  s.amount = r.amount;
  s.redeemed_ms = r.redeemed_ms;
  s.reversed_ms = r.reversed_ms;
  s.text = text;
  s.items = bytes_.copy(r.items);
  s.transaction_identifier_bytes = static_cast<std::uint32_t>(r.transaction_identifier.size());
  s.transaction_number_bytes = static_cast<std::uint32_t>(r.transaction_number.size());
  s.promotion_name_bytes = static_cast<std::uint32_t>(r.promotion_name.size());
  s.item_count = static_cast<std::uint32_t>(r.items.size());
  s.reversed = r.reversed;
  return s;
}

std::uint32_t RedemptionStore::append(const RedemptionRef& r, std::uint64_t key_hash,
                                      std::uint32_t prev) {
  records_.push_back(stored(r, prev));
  const std::uint32_t i1 = records_.size();
  index_.insert(key_hash, i1);
  return i1;
}

void RedemptionStore::replace(StoredRedemption& old, const RedemptionRef& r) {
  old = stored(r, old.prev);
}

}  // namespace codeledger::ledger::detail
