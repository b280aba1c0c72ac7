// ChunkArena: chunks are distinct and stay put, and prefault() only ever touches memory
// no chunk has been handed out from (ASan would catch a write past a slab). With a helper
// (hand_off_prefault), prefault() only wakes it, and its fill() keeps the next chunks
// faulted in across slab boundaries.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <set>
#include <vector>

#include "ledger/chunk_arena.h"

namespace codeledger::ledger::detail {
namespace {

constexpr std::size_t kChunkBytes = std::size_t{64} << 10;

TEST(ChunkArenaTest, PrefaultBeforeAnySlabPreparesTheFirst) {
  ChunkArena arena(kChunkBytes);
  EXPECT_EQ(arena.faulted_ahead_bytes(), 0u);
  arena.prefault();
  EXPECT_GE(arena.faulted_ahead_bytes(), kChunkBytes);
  EXPECT_NE(arena.allocate(), nullptr);
}

TEST(ChunkArenaTest, HandedOffPrefaultWakesTheHelperOnceUntilItFills) {
  ChunkArena arena(kChunkBytes);
  int wakes = 0;
  arena.hand_off_prefault([&] { ++wakes; });
  EXPECT_EQ(wakes, 1);  // nothing faulted ahead yet: the hand-off itself asks for a fill
  for (int i = 0; i < 5; ++i) arena.prefault();
  EXPECT_EQ(wakes, 1);  // asked once; the helper has not answered yet
  EXPECT_EQ(arena.faulted_ahead_bytes(), 0u);  // and the callers faulted nothing themselves
  arena.fill();
  EXPECT_GE(arena.faulted_ahead_bytes(), kChunkBytes);
  arena.prefault();
  EXPECT_EQ(wakes, 1);  // enough is faulted ahead: no new request
}

TEST(ChunkArenaTest, EmptyWakeHandsFaultingBackToTheCallers) {
  ChunkArena arena(kChunkBytes);
  int wakes = 0;
  arena.hand_off_prefault([&] { ++wakes; });
  arena.hand_off_prefault({});  // as PrefaultThread does when it stops
  arena.prefault();
  EXPECT_EQ(wakes, 1);  // only the first hand-off's own request
  EXPECT_GE(arena.faulted_ahead_bytes(), kChunkBytes);  // the caller faulted it in itself
}

// Allocates 300 chunks of 64 KiB (past the 4 MiB and 8 MiB slabs into the third), calling
// prefault() and then check(i) before each, and fills each with its own byte; then checks
// that the chunks are distinct and still hold their bytes.
void allocate_and_check_chunks(ChunkArena& arena, const std::function<void(int)>& check) {
  constexpr int kChunks = 300;
  std::vector<unsigned char*> chunks;
  for (int i = 0; i < kChunks; ++i) {
    arena.prefault();
    check(i);
    auto* c = static_cast<unsigned char*>(arena.allocate());
    std::memset(c, i & 0xff, kChunkBytes);
    chunks.push_back(c);
  }
  std::set<unsigned char*> distinct(chunks.begin(), chunks.end());
  EXPECT_EQ(distinct.size(), chunks.size());
  for (int i = 0; i < kChunks; ++i) {
    EXPECT_EQ(chunks[i][0], i & 0xff);
    EXPECT_EQ(chunks[i][kChunkBytes - 1], i & 0xff);
  }
}

TEST(ChunkArenaTest, HelperKeepsTheNextChunkFaultedAcrossSlabs) {
  ChunkArena arena(kChunkBytes);
  arena.hand_off_prefault([&] { arena.fill(); });  // a helper that answers at once
  allocate_and_check_chunks(arena, [&](int i) {
    ASSERT_GE(arena.faulted_ahead_bytes(), kChunkBytes) << "chunk " << i;
  });
}

// Commands that call no prefault() (a customer profile written, a snapshot decoded) take
// chunks too: handing the chunks out keeps the helper filling, so the memory ahead stays
// faulted in for the next command.
TEST(ChunkArenaTest, HandingOutChunksKeepsTheHelperFillingWithoutPrefaultCalls) {
  ChunkArena arena(kChunkBytes);
  int wakes = 0;
  arena.hand_off_prefault([&] {  // a helper that answers at once
    ++wakes;
    arena.fill();
  });
  EXPECT_EQ(wakes, 1);
  for (int i = 0; i < 300; ++i) {
    ASSERT_GE(arena.faulted_ahead_bytes(), kChunkBytes) << "chunk " << i;
    EXPECT_NE(arena.allocate(), nullptr);
  }
  EXPECT_GT(wakes, 1);
}

TEST(ChunkArenaTest, PrefaultNeverDisturbsHandedOutChunks) {
  ChunkArena arena(kChunkBytes);
  allocate_and_check_chunks(arena, [](int) {});
}

// Pages of [p, p + bytes) in memory now (mincore), p page-aligned.
std::size_t resident_pages(const void* p, std::size_t bytes) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> in((bytes + page - 1) / page);
  EXPECT_EQ(mincore(const_cast<void*>(p), bytes, in.data()), 0);
  std::size_t n = 0;
  for (unsigned char v : in) n += v & 1;
  return n;
}

// fault_in() brings a handed-out chunk in without writing to it: a bulk add takes its chunks
// under a shard lock, faults them in after releasing it, and writes its records under the
// next one (Impl::reserve_shard_room). The chunk here is larger than glibc ever serves from
// reused heap memory (32 MiB), so it is a fresh mapping: not in memory before.
TEST(ChunkArenaTest, FaultInBringsAChunkInAndKeepsWhatItHolds) {
  constexpr std::size_t kBigChunk = std::size_t{40} << 20;
  ChunkArena arena(kBigChunk);
  auto* chunk = static_cast<unsigned char*>(arena.allocate());
  const std::size_t pages = kBigChunk / static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  ASSERT_LT(resident_pages(chunk, kBigChunk), pages / 2) << "a fresh chunk is mostly not in memory";
  chunk[0] = 0x5a;  // as a concurrent insert writing the chunk's first record would
  arena.fault_in(chunk);
  EXPECT_EQ(resident_pages(chunk, kBigChunk), pages);
  EXPECT_EQ(chunk[0], 0x5a);
  EXPECT_EQ(chunk[kBigChunk - 1], 0);
}

}  // namespace
}  // namespace codeledger::ledger::detail
