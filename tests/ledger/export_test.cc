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

// Every cursor the export hands out names a code of the promotion, spelled one way. One it
// could not have handed out is refused like one that does not parse, as a wallet's is: past a
// shard's records or the last shard, naming another promotion's record, or a handed-out
// position with a leading zero. Before, "c0.4294967295" went on with shard 1 and "c16.0" gave
// an empty page, both 200 (probe: defect 2c).
TEST_F(ExportTest, ACursorTheExportDidNotHandOutIsRefused) {
  auto p = promotion("p");
  auto other = promotion("other");
  import_in_calls(p, numbered('P', 3'000));
  import_in_calls(other, numbered('O', 3'000));
  Op o = op();
  auto first = ledger_.export_codes(o, p.id, "", 10);
  ASSERT_TRUE(first.ok() && !first->next_cursor.empty());
  const std::string handed_out = first->next_cursor;
  EXPECT_TRUE(ledger_.export_codes(o, p.id, handed_out, 10).ok());
  const std::string with_zero = "c0" + handed_out.substr(1);
  const std::string index_with_zero = handed_out.substr(0, handed_out.find('.') + 1) + "0" +
                                      handed_out.substr(handed_out.find('.') + 1);
  auto of_other = ledger_.export_codes(o, other.id, "", 10);
  ASSERT_TRUE(of_other.ok() && !of_other->next_cursor.empty());
  for (const std::string& c : {std::string("c0.4294967295"), std::string("c16.0"),
                               std::string("c99.0"), with_zero, index_with_zero, of_other->next_cursor,
                               std::string("c"), std::string("c."), std::string("c1."), std::string("c.1")}) {
    SCOPED_TRACE(c);
    EXPECT_CODE(ledger_.export_codes(o, p.id, c, 10), kInvalidRequest);
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
