// Export pages search a shard's code records without its lock, taking it only to learn where
// the next run of records lies (a chunk's worth at most) and to copy out the views of up to 64
// codes found (ledger/code_batch.cc, export_from_shard): shards of more records than one run
// must still give every code of the promotion exactly once, with links going on beside.
#include <atomic>
#include <cstdio>
#include <map>
#include <thread>

#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

class ExportTest : public LedgerTest {
 protected:
  // 100,000 codes over the fixture's 16 shards: about 6,250 records a shard, more than one
  // run (a chunk of 4,096 records) each.
  static constexpr int kLarge = 100'000;
  static constexpr int kSmall = 1'500;

  std::vector<std::string> numbered(char tag, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%c%07d", tag, i);
      out.emplace_back(buf);
    }
    return out;
  }

  void import_in_calls(const PromotionView& p, const std::vector<std::string>& codes) {
    for (std::size_t at = 0; at < codes.size(); at += 5'000) {
      std::size_t end = std::min(codes.size(), at + 5'000);
      import(p, std::vector<std::string>(codes.begin() + static_cast<std::ptrdiff_t>(at),
                                         codes.begin() + static_cast<std::ptrdiff_t>(end)));
    }
  }

  // Every code of the promotion, page by page, counted by how often it was handed out.
  std::map<std::string, int> export_all(const PromotionView& p, std::size_t limit) {
    Op o = op();
    std::map<std::string, int> seen;
    std::string cursor;
    do {
      auto page = ledger_.export_codes(o, p.id, cursor, limit);
      EXPECT_TRUE(page.ok()) << page.status().message();
      if (!page.ok()) break;
      for (const auto& c : page->codes) ++seen[std::string(c.code.view())];
      cursor = page->next_cursor;
    } while (!cursor.empty());
    return seen;
  }

  static void expect_each_once(const std::map<std::string, int>& seen,
                               const std::vector<std::string>& want) {
    EXPECT_EQ(seen.size(), want.size());
    for (const auto& code : want) {
      auto it = seen.find(code);
      ASSERT_NE(it, seen.end()) << code << " was not exported";
      EXPECT_EQ(it->second, 1) << code << " was exported " << it->second << " times";
    }
  }
};

TEST_F(ExportTest, ShardsOfManyRecordsGiveEveryCodeOnce) {
  auto large = promotion("large");
  auto small = promotion("small");
  auto large_codes = numbered('L', kLarge);
  auto small_codes = numbered('S', kSmall);
  import_in_calls(large, large_codes);
  import_in_calls(small, small_codes);
  // Page sizes whose cursors fall inside runs and view holds, at their ends and across shards.
  for (std::size_t limit : {7u, 1024u, 10'000u}) {
    expect_each_once(export_all(small, limit), small_codes);
    expect_each_once(export_all(large, limit), large_codes);
  }
}

// A cursor's record number is the client's to send: one past a shard's last record reads
// nothing more of that shard and goes on with the next.
TEST_F(ExportTest, ACursorPastAShardsRecordsGoesOnWithTheNextShard) {
  auto p = promotion("p");
  import_in_calls(p, numbered('P', 3'000));
  Op o = op();
  auto from_next_shard = ledger_.export_codes(o, p.id, "c1.0", 10'000);
  auto past_the_end = ledger_.export_codes(o, p.id, "c0.4294967295", 10'000);
  ASSERT_TRUE(from_next_shard.ok() && past_the_end.ok());
  ASSERT_FALSE(from_next_shard->codes.empty());
  ASSERT_EQ(past_the_end->codes.size(), from_next_shard->codes.size());
  for (std::size_t i = 0; i < past_the_end->codes.size(); ++i) {
    EXPECT_EQ(past_the_end->codes[i].code.view(), from_next_shard->codes[i].code.view());
  }
}

// Links change records between the runs of a scan; the export still hands out each code of
// the promotion once (a record's place never changes), linked or not.
TEST_F(ExportTest, LinksBesideAnExportLeaveEveryCodeExportedOnce) {
  auto p = promotion("p");
  auto codes = numbered('K', kLarge);
  import_in_calls(p, codes);
  std::atomic<bool> done{false};
  std::atomic<int> linked{0};
  std::thread linker([&] {
    Op o = op();
    for (std::size_t i = 0; i < codes.size() && !done.load(); i += 3) {
      if (ledger_.link_code(o, Mode::kDiscount, codes[i], 1000 + i).ok()) ++linked;
    }
  });
  std::map<std::string, int> seen;
  for (int round = 0; round < 3; ++round) seen = export_all(p, 999);
  done = true;
  linker.join();
  EXPECT_GT(linked.load(), 0);
  expect_each_once(seen, codes);
}

}  // namespace
}  // namespace codeledger::ledger::testing
