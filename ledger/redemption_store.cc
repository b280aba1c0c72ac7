// Per-shard redemption storage (see redemption_store.h).
#include "ledger/redemption_store.h"

#include "ledger/internal.h"

namespace codeledger::ledger::detail {

RedemptionStore::RedemptionStore() : index_(0, Hash{this}, Eq{this}) {}

std::uint64_t RedemptionStore::hash_of(OrgId org, CustomerId customer, std::string_view txn) {
  return hash_bytes(txn, customer_hash(org, customer));
}

std::size_t RedemptionStore::Hash::operator()(std::uint32_t i1) const {
  const RedemptionView& v = s->at(i1).view;
  return hash_of(v.org, v.customer, v.transaction_identifier);
}

bool RedemptionStore::Eq::operator()(const Key& k, std::uint32_t i1) const {
  const RedemptionView& v = s->at(i1).view;
  return v.customer == k.customer && v.org == k.org && v.transaction_identifier == k.txn;
}

std::uint32_t RedemptionStore::find(OrgId org, CustomerId customer, std::string_view txn) const {
  Key k{org, customer, txn};
  auto it = index_.find(k, hash_of(org, customer, txn));
  return it == index_.end() ? 0 : *it;
}

std::uint32_t RedemptionStore::append(RedemptionView v, std::uint32_t prev) {
  if (size_ % kChunkRecords == 0) chunks_.emplace_back(new StoredRedemption[kChunkRecords]);
  std::uint32_t i1 = ++size_;
  StoredRedemption& s = at(i1);
  s.view = std::move(v);
  s.prev = prev;
  index_.insert(i1);
  return i1;
}

}  // namespace codeledger::ledger::detail
