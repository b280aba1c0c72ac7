// Names of files the log keeps rather than deletes (wal/set_aside.h).
#include "wal/set_aside.h"

#include <gtest/gtest.h>

#include "wal/fault_fs.h"
#include "wal/format.h"

namespace codeledger::wal {
namespace {

TEST(SetAside, TheFirstFreeNameIsTakenNeverAnEarlierOnes) {
  FaultFs fs;
  const std::string seg = "/data/wal-0000000000000abc.log";
  EXPECT_EQ(*set_aside_name(fs, seg, format::kDroppedSuffix), seg + ".dropped");
  fs.write_raw(seg + ".dropped", "first");
  EXPECT_EQ(*set_aside_name(fs, seg, format::kDroppedSuffix), seg + ".dropped.1");
  fs.write_raw(seg + ".dropped.1", "second");
  EXPECT_EQ(*set_aside_name(fs, seg, format::kDroppedSuffix), seg + ".dropped.2");
  for (unsigned n = 2; n <= format::kSetAsideCopiesMax; ++n) {
    fs.write_raw(seg + ".dropped." + std::to_string(n), "more");
  }
  auto full = set_aside_name(fs, seg, format::kDroppedSuffix);
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.status().message().find("exist already; move them away"), std::string::npos);
}

TEST(SetAside, NamesParseBackToTheFileTheyWereSetAsideFrom) {
  const std::string_view seg = "wal-0000000000000abc.log";
  EXPECT_EQ(set_aside_original("wal-0000000000000abc.log.dropped", format::kDroppedSuffix), seg);
  EXPECT_EQ(set_aside_original("wal-0000000000000abc.log.dropped.1", format::kDroppedSuffix), seg);
  EXPECT_EQ(set_aside_original("wal-0000000000000abc.log.dropped.999", format::kDroppedSuffix), seg);
  EXPECT_EQ(set_aside_original("snap-0000000000000053.snap.corrupt.2", format::kCorruptSuffix),
            "snap-0000000000000053.snap");
  for (const char* other : {"wal-0000000000000abc.log", "wal-0000000000000abc.log.dropped.",
                            "wal-0000000000000abc.log.dropped.0", "wal-0000000000000abc.log.dropped.01",
                            "wal-0000000000000abc.log.dropped.x", "wal-0000000000000abc.log.dropped1",
                            ".dropped"}) {
    EXPECT_FALSE(set_aside_original(other, format::kDroppedSuffix)) << other;
  }
}

}  // namespace
}  // namespace codeledger::wal
