#include "ledger/wallet.h"

#include "ledger/internal.h"

namespace codeledger::ledger::detail {

namespace {

// Neither hash is persisted (the index is rebuilt on every load), so both may change.
std::uint64_t id_hash(const ObjectId& id) {
  const std::string_view bytes(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
  return hash_bytes(bytes, 0x77616c6c65742d69ULL);
}

std::uint64_t issue_hash(std::uint32_t promo_number, std::string_view context_id) {
  return hash_bytes(context_id, mix64(promo_number + 0x77616c6c65742d63ULL));
}

bool same_issue(const EarnedRecord& e, std::uint32_t promo_number, std::string_view context_id) {
  return e.promo_number == promo_number && e.context_id == context_id;
}

}  // namespace

// Positions + 1 by earn id and by (promotion, contextId). The entries hold the keys, so a
// slot is 8 bytes (NumberIndex) and no key is copied.
class Wallet::Index {
 public:
  void reserve(std::size_t n) {
    by_id_.reserve(n);
    by_issue_.reserve(n);
  }
  // Indexes entries[position]; a key already held keeps its first entry.
  void insert(const std::vector<EarnedRecord>& entries, std::size_t position) {
    const EarnedRecord& e = entries[position];
    const auto number = static_cast<std::uint32_t>(position + 1);
    (void)by_id_.insert_if_absent(id_hash(e.id), number, [&](std::uint32_t n) {
      return entries[n - 1].id == e.id;
    });
    (void)by_issue_.insert_if_absent(
        issue_hash(e.promo_number, e.context_id), number,
        [&](std::uint32_t n) { return same_issue(entries[n - 1], e.promo_number, e.context_id); });
  }
  std::uint32_t find(const std::vector<EarnedRecord>& entries, const ObjectId& id) const {
    return by_id_.find(id_hash(id), [&](std::uint32_t n) { return entries[n - 1].id == id; });
  }
  std::uint32_t find_issued(const std::vector<EarnedRecord>& entries, std::uint32_t promo_number,
                            std::string_view context_id) const {
    return by_issue_.find(issue_hash(promo_number, context_id), [&](std::uint32_t n) {
      return same_issue(entries[n - 1], promo_number, context_id);
    });
  }

 private:
  NumberIndex by_id_;
  NumberIndex by_issue_;
};

Wallet::Wallet() = default;
Wallet::~Wallet() = default;

EarnedRecord* Wallet::find(const ObjectId& id) {
  if (index_) {
    const std::uint32_t n = index_->find(entries_, id);
    return n == 0 ? nullptr : &entries_[n - 1];
  }
  for (EarnedRecord& e : entries_) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

const EarnedRecord* Wallet::find_issued(std::uint32_t promo_number,
                                        std::string_view context_id) const {
  if (index_) {
    const std::uint32_t n = index_->find_issued(entries_, promo_number, context_id);
    return n == 0 ? nullptr : &entries_[n - 1];
  }
  for (const EarnedRecord& e : entries_) {
    if (same_issue(e, promo_number, context_id)) return &e;
  }
  return nullptr;
}

void Wallet::add(EarnedRecord e) {
  entries_.push_back(std::move(e));
  if (index_) {
    index_->insert(entries_, entries_.size() - 1);
  } else if (entries_.size() >= kIndexFromEntries) {
    index_all();
  }
}

void Wallet::assign(std::vector<EarnedRecord> entries) {
  entries_ = std::move(entries);
  index_.reset();
  if (entries_.size() >= kIndexFromEntries) index_all();
}

void Wallet::index_all() {
  auto index = std::make_unique<Index>();
  index->reserve(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) index->insert(entries_, i);
  index_ = std::move(index);
}

}  // namespace codeledger::ledger::detail
