// Per-shard storage of redemptions: records in fixed chunks (never moved, so indices and
// pointers stay valid) plus one open-addressing index keyed by (org, customer,
// transaction identifier). Each customer chains its own redemptions newest-first through
// StoredRedemption::prev, so a customer costs no table of its own, and adding a redemption
// costs no node or bucket allocation. Guarded by the owning shard's mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <tsl/robin_set.h>

#include "ledger/types.h"

namespace codeledger::ledger::detail {

struct StoredRedemption {
  RedemptionView view;
  std::uint32_t prev = 0;  // 1-based index of the customer's previous redemption, 0 = none
};

class RedemptionStore {
 public:
  static constexpr std::uint32_t kChunkRecords = 64;  // small: most shards hold few

  RedemptionStore();
  RedemptionStore(const RedemptionStore&) = delete;
  RedemptionStore& operator=(const RedemptionStore&) = delete;

  // 1-based index of the redemption, 0 when absent.
  std::uint32_t find(OrgId org, CustomerId customer, std::string_view txn) const;
  // Appends a redemption chained after `prev` (the customer's newest); returns its index.
  // The caller has checked that (org, customer, txn) is absent.
  std::uint32_t append(RedemptionView v, std::uint32_t prev);
  StoredRedemption& at(std::uint32_t i1) {
    return chunks_[(i1 - 1) / kChunkRecords][(i1 - 1) % kChunkRecords];
  }
  const StoredRedemption& at(std::uint32_t i1) const {
    return chunks_[(i1 - 1) / kChunkRecords][(i1 - 1) % kChunkRecords];
  }

 private:
  struct Key {
    OrgId org;
    CustomerId customer;
    std::string_view txn;
  };
  static std::uint64_t hash_of(OrgId org, CustomerId customer, std::string_view txn);
  struct Hash {
    using is_transparent = void;
    const RedemptionStore* s;
    std::size_t operator()(std::uint32_t i1) const;
    std::size_t operator()(const Key& k) const { return hash_of(k.org, k.customer, k.txn); }
  };
  struct Eq {
    using is_transparent = void;
    const RedemptionStore* s;
    bool operator()(std::uint32_t a, std::uint32_t b) const { return a == b; }
    bool operator()(const Key& k, std::uint32_t i1) const;
    bool operator()(std::uint32_t i1, const Key& k) const { return (*this)(k, i1); }
  };

  std::vector<std::unique_ptr<StoredRedemption[]>> chunks_;
  std::uint32_t size_ = 0;
  tsl::robin_set<std::uint32_t, Hash, Eq, std::allocator<std::uint32_t>, true> index_;
};

}  // namespace codeledger::ledger::detail
