// The shard-local storage under the ledger: ByteArena (bump allocation), ArenaVec (chunked
// arrays in it) and RedemptionStore (compact redemption records in it).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ledger/byte_arena.h"
#include "ledger/redemption_store.h"

namespace codeledger::ledger::detail {
namespace {

constexpr std::size_t kChunkBytes = 4096;

TEST(ByteArenaTest, CopiesStayValidAcrossManyChunks) {
  ChunkArena chunks(kChunkBytes);
  ByteArena arena(chunks);
  std::vector<std::string_view> copies;
  for (int i = 0; i < 2000; ++i) copies.push_back(arena.copy("text-" + std::to_string(i)));
  for (int i = 0; i < 2000; ++i) EXPECT_EQ(copies[i], "text-" + std::to_string(i));
}

TEST(ByteArenaTest, AllocationsAreAlignedAndDisjoint) {
  ChunkArena chunks(kChunkBytes);
  ByteArena arena(chunks);
  std::vector<char*> blocks;
  const std::size_t aligns[] = {1, 8, 2, 16, 4, 8};
  for (int i = 0; i < 600; ++i) {  // several chunks
    std::size_t align = aligns[i % 6];
    auto* p = static_cast<char*>(arena.allocate(13, align));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % align, 0u);
    std::memset(p, i & 0x7f, 13);
    blocks.push_back(p);
  }
  for (int i = 0; i < 600; ++i) {
    EXPECT_EQ(std::string(blocks[i], 13), std::string(13, static_cast<char>(i & 0x7f)));
  }
}

TEST(ByteArenaTest, OversizeRequestsGetTheirOwnBlock) {
  ChunkArena chunks(kChunkBytes);
  ByteArena arena(chunks);
  std::string big(kChunkBytes * 3, 'x');
  std::string_view small = arena.copy("small");
  std::string_view copy = arena.copy(big);
  EXPECT_EQ(copy, big);
  EXPECT_EQ(small, "small");
  EXPECT_EQ(arena.copy(""), std::string_view());
}

TEST(ByteArenaTest, TrivialArraysAreCopiedAsBytes) {
  ChunkArena chunks(kChunkBytes);
  ByteArena arena(chunks);
  std::vector<RedemptionItem> items(3);
  items[1].code = *CodeKey::make("ABCDEF12");
  items[2].count = 7;
  const RedemptionItem* copy = arena.copy(std::span<const RedemptionItem>(items));
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy[1].code->view(), "ABCDEF12");
  EXPECT_EQ(copy[2].count, 7u);
  EXPECT_EQ(arena.copy(std::span<const RedemptionItem>()), nullptr);
}

TEST(ArenaVecTest, ElementsNeverMoveAsItGrows) {
  ChunkArena chunks(kChunkBytes);
  ByteArena arena(chunks);
  ArenaVec<std::uint64_t, 16> v(arena);
  std::vector<const std::uint64_t*> addresses;
  for (std::uint64_t i = 0; i < 1000; ++i) addresses.push_back(&v.push_back(i * 3));
  ASSERT_EQ(v.size(), 1000u);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(v[i], i * 3u);
    EXPECT_EQ(&v[i], addresses[i]);
  }
}

RedemptionView sample(CustomerId customer, std::string txn) {
  RedemptionView v;
  v.org = 9;
  v.customer = customer;
  v.transaction_identifier = std::move(txn);
  v.transaction_number = "N-1";
  v.transaction_date_ms = 11;
  v.amount = 1234;
  v.redeemed_ms = 22;
  v.items.resize(2);
  v.items[0].code = *CodeKey::make("CODE0001");
  v.items[1].discount = 50;
  v.promotion_name = "spring sale";
  return v;
}

RedemptionKey key(CustomerId customer, std::string_view txn) {
  return RedemptionKey::make(9, customer, txn);
}

void expect_same(const RedemptionView& a, const RedemptionView& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.org, b.org);
  EXPECT_EQ(a.customer, b.customer);
  EXPECT_EQ(a.transaction_identifier, b.transaction_identifier);
  EXPECT_EQ(a.transaction_number, b.transaction_number);
  EXPECT_EQ(a.transaction_date_ms, b.transaction_date_ms);
  EXPECT_EQ(a.amount, b.amount);
  EXPECT_EQ(a.redeemed_ms, b.redeemed_ms);
  EXPECT_EQ(a.reversed, b.reversed);
  EXPECT_EQ(a.reversed_ms, b.reversed_ms);
  ASSERT_EQ(a.items.size(), b.items.size());
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    EXPECT_EQ(a.items[i].code.has_value(), b.items[i].code.has_value());
    EXPECT_EQ(a.items[i].discount, b.items[i].discount);
  }
  EXPECT_EQ(a.promotion_name, b.promotion_name);
}

TEST(RedemptionStoreTest, StoredRecordReadsBackAsTheSameView) {
  ChunkArena chunks(kChunkBytes);
  ByteArena arena(chunks);
  RedemptionStore store(arena);
  RedemptionView v = sample(5, "a-transaction-identifier-longer-than-sso");
  std::uint32_t i = store.append(RedemptionRef::of(v), key(5, v.transaction_identifier).hash, 0);
  EXPECT_EQ(store.find(key(5, v.transaction_identifier)), i);
  expect_same(store.at(i).view(), v);
}

TEST(RedemptionStoreTest, FindKeysOnOrgCustomerAndTransaction) {
  ChunkArena chunks(kChunkBytes);
  ByteArena arena(chunks);
  RedemptionStore store(arena);
  std::uint32_t prev = 0;
  for (CustomerId c = 1; c <= 300; ++c) {  // several record chunks
    std::string txn = "t" + std::to_string(c);
    prev = store.append(RedemptionRef::of(sample(c, txn)), key(c, txn).hash, prev);
  }
  EXPECT_EQ(store.at(store.find(key(123, "t123"))).customer, 123u);
  EXPECT_EQ(store.find(key(123, "t124")), 0u);
  EXPECT_EQ(store.find(RedemptionKey::make(8, 123, "t123")), 0u);
  EXPECT_EQ(store.at(prev).prev, prev - 1);
}

TEST(RedemptionStoreTest, ReplaceKeepsTheChainAndTheKey) {
  ChunkArena chunks(kChunkBytes);
  ByteArena arena(chunks);
  RedemptionStore store(arena);
  std::uint32_t first = store.append(RedemptionRef::of(sample(5, "t1")), key(5, "t1").hash, 0);
  std::uint32_t second = store.append(RedemptionRef::of(sample(5, "t2")), key(5, "t2").hash, first);
  RedemptionView changed = sample(5, "t2");
  changed.amount = 99;
  changed.items.clear();
  changed.transaction_number.clear();
  store.replace(store.at(second), RedemptionRef::of(changed));
  EXPECT_EQ(store.find(key(5, "t2")), second);
  EXPECT_EQ(store.at(second).prev, first);
  expect_same(store.at(second).view(), changed);
}

}  // namespace
}  // namespace codeledger::ledger::detail
