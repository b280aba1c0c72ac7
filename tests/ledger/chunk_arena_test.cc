// ChunkArena: chunks are distinct and stay put, and prefault() only ever touches memory
// no chunk has been handed out from (ASan would catch a write past a slab).
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <vector>

#include "ledger/chunk_arena.h"

namespace codeledger::ledger::detail {
namespace {

constexpr std::size_t kChunkBytes = std::size_t{64} << 10;

TEST(ChunkArenaTest, PrefaultBeforeAnySlabDoesNothing) {
  ChunkArena arena(kChunkBytes);
  arena.prefault();
  EXPECT_NE(arena.allocate(), nullptr);
}

TEST(ChunkArenaTest, PrefaultNeverDisturbsHandedOutChunks) {
  ChunkArena arena(kChunkBytes);
  std::vector<unsigned char*> chunks;
  // Past the first slabs (4 MiB, then 8 MiB), prefaulting between every allocation.
  for (int i = 0; i < 300; ++i) {
    arena.prefault();
    auto* c = static_cast<unsigned char*>(arena.allocate());
    std::memset(c, i & 0xff, kChunkBytes);
    chunks.push_back(c);
  }
  std::set<unsigned char*> distinct(chunks.begin(), chunks.end());
  EXPECT_EQ(distinct.size(), chunks.size());
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(chunks[i][0], i & 0xff);
    EXPECT_EQ(chunks[i][kChunkBytes - 1], i & 0xff);
  }
}

}  // namespace
}  // namespace codeledger::ledger::detail
