// NumberIndex: every number inserted is found again through growth, absent keys are
// absent, duplicates are refused, and long probe chains (hashes sharing their low bits)
// still answer right.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ledger/internal.h"
#include "ledger/number_index.h"

namespace codeledger::ledger::detail {
namespace {

// Keys are numbers; key k has the hash h(k), its record number is k.
std::uint64_t spread(std::uint32_t k) { return mix64(k); }
// Every key lands on the same home slot and carries the same tag: one long chain.
std::uint64_t clash(std::uint32_t k) { return std::uint64_t{k} << 40; }

template <class HashOf>
std::uint32_t find(const NumberIndex& ix, HashOf h, std::uint32_t key) {
  return ix.find(h(key), [key](std::uint32_t n) { return n == key; });
}

TEST(NumberIndexTest, EmptyIndexFindsNothing) {
  NumberIndex ix;
  EXPECT_EQ(find(ix, spread, 1), 0u);
  EXPECT_EQ(ix.size(), 0u);
  ix.prefetch(spread(1));  // reads the shared empty slot: must not crash
}

TEST(NumberIndexTest, EverythingInsertedIsFoundThroughGrowth) {
  NumberIndex ix;
  constexpr std::uint32_t kKeys = 100'000;
  for (std::uint32_t k = 1; k <= kKeys; ++k) ix.insert(spread(k), k);
  EXPECT_EQ(ix.size(), kKeys);
  EXPECT_LE(ix.size() * 4, ix.capacity() * 3) << "load stays at most 3/4";
  for (std::uint32_t k = 1; k <= kKeys; ++k) ASSERT_EQ(find(ix, spread, k), k);
  for (std::uint32_t k = kKeys + 1; k <= kKeys + 1'000; ++k) ASSERT_EQ(find(ix, spread, k), 0u);
}

TEST(NumberIndexTest, InsertIfAbsentRefusesADuplicateAndReturnsTheHolder) {
  NumberIndex ix;
  const auto same_key = [](std::uint32_t want) {
    return [want](std::uint32_t n) { return n % 1000 == want % 1000; };
  };
  EXPECT_EQ(ix.insert_if_absent(spread(7), 7, same_key(7)), 0u);
  // 1007 has key 7 too (same hash given): refused, the holder's number comes back.
  EXPECT_EQ(ix.insert_if_absent(spread(7), 1007, same_key(1007)), 7u);
  EXPECT_EQ(ix.size(), 1u);
  EXPECT_EQ(ix.find(spread(7), same_key(7)), 7u);
}

TEST(NumberIndexTest, KeysThatShareHomeSlotAndTagAreTellApartByTheRecords) {
  NumberIndex ix;
  constexpr std::uint32_t kKeys = 5'000;  // past the first incremental growth too
  for (std::uint32_t k = 1; k <= kKeys; ++k) {
    ASSERT_EQ(ix.insert_if_absent(clash(k), k, [](std::uint32_t) { return false; }), 0u);
  }
  for (std::uint32_t k = 1; k <= kKeys; ++k) ASSERT_EQ(find(ix, clash, k), k);
  EXPECT_EQ(find(ix, clash, kKeys + 1), 0u);
}

TEST(NumberIndexTest, ReserveMakesRoomWithoutLosingEntries) {
  NumberIndex ix;
  for (std::uint32_t k = 1; k <= 100; ++k) ix.insert(spread(k), k);
  ix.reserve(50'000);
  const std::size_t reserved = ix.capacity();
  EXPECT_GE(reserved * 3, std::size_t{50'000} * 4);
  for (std::uint32_t k = 101; k <= 50'000; ++k) ix.insert(spread(k), k);
  EXPECT_EQ(ix.capacity(), reserved) << "no growth within the reservation";
  for (std::uint32_t k = 1; k <= 50'000; ++k) ASSERT_EQ(find(ix, spread, k), k);
}

// Past kIncrementalFromSlots a growth is spread over the inserts that follow it: the
// growing insert leaves most of the old table for later, and meanwhile every key (in the
// old table, the new one, or both) is found, and a duplicate of a key not yet moved is
// still refused.
TEST(NumberIndexTest, LargeTablesGrowAFewSlotsPerInsert) {
  NumberIndex ix;
  std::uint32_t k = 0;
  while (!ix.growing()) {
    ++k;
    ASSERT_EQ(ix.insert_if_absent(spread(k), k, [](std::uint32_t) { return false; }), 0u);
    ASSERT_LE(k, 1'000'000u) << "never grew incrementally";
  }
  const std::size_t new_capacity = ix.capacity();
  EXPECT_GE(new_capacity, 8'192u);
  const std::uint32_t before_growth = k;
  for (std::uint32_t j = 1; j <= before_growth; ++j) ASSERT_EQ(find(ix, spread, j), j) << j;
  // Key 1 sits in the old table (the first slots moved may or may not hold it): a second
  // record with key 1 is refused either way, and nothing is added.
  const auto key_of = [](std::uint32_t n) { return n % 10'000'000; };
  const std::uint32_t dup = 10'000'000 + 1;
  EXPECT_EQ(ix.insert_if_absent(spread(1), dup,
                                [&](std::uint32_t n) { return key_of(n) == key_of(dup); }),
            1u);
  EXPECT_EQ(ix.size(), before_growth);
  std::uint32_t inserts_while_growing = 0;
  while (ix.growing()) {
    ++k;
    ++inserts_while_growing;
    ix.insert(spread(k), k);
    if (k % 101 == 0) {
      for (std::uint32_t j = 1; j <= k; j += 37) ASSERT_EQ(find(ix, spread, j), j) << j;
    }
  }
  // Eight old slots a move: the old table (half the new one) empties in capacity/16 inserts.
  EXPECT_GE(inserts_while_growing, new_capacity / 16 - 2);
  EXPECT_LE(inserts_while_growing, new_capacity / 16 + 2);
  EXPECT_EQ(ix.capacity(), new_capacity);
  for (std::uint32_t j = 1; j <= k; ++j) ASSERT_EQ(find(ix, spread, j), j) << j;
  EXPECT_EQ(find(ix, spread, k + 1), 0u);
}

// Inserts keys 1, 2, ... until a growth is under way; returns the last key.
std::uint32_t fill_until_growing(NumberIndex& ix) {
  std::uint32_t k = 0;
  while (!ix.growing()) {
    ++k;
    ix.insert(spread(k), k);
  }
  return k;
}

// Without room in the newer table, reserve() finishes the growth under way and grows at once.
TEST(NumberIndexTest, ReserveBeyondAGrowthUnderWayFinishesIt) {
  NumberIndex ix;
  const std::uint32_t k = fill_until_growing(ix);
  ix.reserve(100'000);
  EXPECT_FALSE(ix.growing());
  EXPECT_GE(ix.capacity() * 3, std::size_t{100'000} * 4);
  for (std::uint32_t j = 1; j <= k; ++j) ASSERT_EQ(find(ix, spread, j), j) << j;
}

// Fills a table past kIncrementalFromSlots up to its last insert before growing; returns the
// keys 1..k it holds.
std::uint32_t fill_to_the_brim(NumberIndex& ix) {
  std::uint32_t k = 0;
  const auto brim = [&ix] {
    return ix.capacity() >= 8'192 && !ix.growing() && (ix.size() + 1) * 4 > ix.capacity() * 3;
  };
  while (!brim()) {
    ++k;
    ix.insert(spread(k), k);
  }
  return k;
}

// A spare of the capacity reserve() needs is the table the index grows into, at once: only
// the copy runs under the caller's lock, the spare's pages already faulted in.
TEST(NumberIndexTest, ReserveGrowsIntoASpareOfTheCapacityItNeeds) {
  NumberIndex ix;
  std::uint32_t k = fill_to_the_brim(ix);
  const std::size_t old_capacity = ix.capacity();
  const std::size_t want = ix.size() + 1'000;
  const std::size_t cap = ix.growth_for(want);
  ASSERT_EQ(cap, old_capacity * 2);
  NumberIndex::Spare spare(cap);
  ix.reserve(want, &spare);
  EXPECT_TRUE(spare.taken());
  EXPECT_FALSE(ix.growing()) << "grown at once, no incremental growth left to the inserts";
  EXPECT_EQ(ix.capacity(), cap);
  EXPECT_EQ(ix.growth_for(want), 0u) << "the room is there";
  for (std::uint32_t j = 1; j <= k; ++j) ASSERT_EQ(find(ix, spread, j), j) << j;
  while (ix.size() < want) {
    ++k;
    ix.insert(spread(k), k);
  }
  EXPECT_EQ(ix.capacity(), cap) << "no growth within the reservation";
  for (std::uint32_t j = 1; j <= k; ++j) ASSERT_EQ(find(ix, spread, j), j) << j;
  EXPECT_EQ(find(ix, spread, k + 1), 0u);
}

// A spare made for a capacity the index no longer needs (it changed between the caller's
// two holds of the lock) is left alone: the index grows at once, to what it needs.
TEST(NumberIndexTest, ASpareOfAnotherCapacityIsLeftAlone) {
  NumberIndex ix;
  const std::uint32_t k = fill_to_the_brim(ix);
  const std::size_t want = ix.size() + 1'000;
  const std::size_t cap = ix.growth_for(want);
  NumberIndex::Spare spare(cap * 2);
  ix.reserve(want, &spare);
  EXPECT_FALSE(spare.taken());
  EXPECT_FALSE(ix.growing());
  EXPECT_EQ(ix.capacity(), cap);
  for (std::uint32_t j = 1; j <= k; ++j) ASSERT_EQ(find(ix, spread, j), j) << j;
}

// While a growth is under way and its newer table has the room, reserve() leaves the
// moving to the inserts, as they would have done anyway: finishing it at once copied the
// rest of the old table under the caller's lock.
TEST(NumberIndexTest, ReserveWithRoomLeavesAGrowthUnderWayToTheInserts) {
  NumberIndex ix;
  const std::uint32_t k = fill_until_growing(ix);
  const std::size_t cap = ix.capacity();
  ix.reserve(ix.size() + 100);
  EXPECT_TRUE(ix.growing());
  EXPECT_EQ(ix.capacity(), cap);
  for (std::uint32_t j = 1; j <= k; ++j) ASSERT_EQ(find(ix, spread, j), j) << j;
}

// Random inserts (new keys, repeats of old ones, keys whose hashes share their low bits),
// finds and the odd reserve() (with a spare or without), checked against std::unordered_map at every step, through
// several incremental growths.
TEST(NumberIndexTest, AgreesWithAMapThroughIncrementalGrowths) {
  NumberIndex ix;
  std::unordered_map<std::uint32_t, std::uint32_t> model;  // key -> number
  std::mt19937 rng(20261205);
  // Key k's record number is k + 1; a quarter of the keys share their low 12 hash bits.
  const auto hash_of = [](std::uint32_t k) {
    return k % 4 == 0 ? (mix64(k) & ~std::uint64_t{0xfff}) : mix64(k);
  };
  const auto same = [](std::uint32_t key) { return [key](std::uint32_t n) { return n == key + 1; }; };
  std::uint32_t next_key = 0;
  bool grew = false;
  for (int step = 0; step < 120'000; ++step) {
    const std::uint32_t dice = rng() % 100;
    if (dice < 60 || model.empty()) {  // a new key
      const std::uint32_t k = next_key++;
      ASSERT_EQ(ix.insert_if_absent(hash_of(k), k + 1, same(k)), 0u) << "step " << step;
      model[k] = k + 1;
    } else if (dice < 75) {  // a key already there: refused, its number returned
      const std::uint32_t k = rng() % next_key;
      ASSERT_EQ(ix.insert_if_absent(hash_of(k), k + 1, same(k)), k + 1) << "step " << step;
    } else if (dice < 99) {  // a find, present or absent
      const std::uint32_t k = rng() % (next_key + 100);
      const auto it = model.find(k);
      ASSERT_EQ(ix.find(hash_of(k), same(k)), it == model.end() ? 0u : it->second) << "step " << step;
    } else if (rng() % 50 == 0) {
      const std::size_t want = model.size() + rng() % 5'000;
      if (rng() % 2 == 0) {
        ix.reserve(want);
      } else {  // as a bulk add does: the spare made first, its capacity asked for
        NumberIndex::Spare spare(std::max<std::size_t>(ix.growth_for(want), 16));
        ix.reserve(want, &spare);
      }
    }
    grew = grew || ix.growing();
    ASSERT_EQ(ix.size(), model.size());
  }
  EXPECT_TRUE(grew);
  for (const auto& [k, n] : model) ASSERT_EQ(ix.find(hash_of(k), same(k)), n) << k;
}

// prefetch() runs without the owner's lock, so it may race a growth: it must neither
// crash nor disturb the index (ASan watches the old arrays being freed meanwhile).
TEST(NumberIndexTest, PrefetchDuringGrowthIsHarmless) {
  NumberIndex ix;
  std::atomic<bool> done{false};
  std::thread hinter([&] {
    for (std::uint64_t h = 0; !done.load(std::memory_order_relaxed); ++h) ix.prefetch(mix64(h));
  });
  constexpr std::uint32_t kKeys = 200'000;
  for (std::uint32_t k = 1; k <= kKeys; ++k) ix.insert(spread(k), k);
  done = true;
  hinter.join();
  for (std::uint32_t k = 1; k <= kKeys; k += 97) ASSERT_EQ(find(ix, spread, k), k);
}

}  // namespace
}  // namespace codeledger::ledger::detail
