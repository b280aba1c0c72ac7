#include "wal/snapshot.h"

#include <gtest/gtest.h>

#include "wal/fault_fs.h"
#include "wal/format.h"
#include "wal/record.h"

namespace codeledger::wal {
namespace {

const std::string kDir = "/data/wal";

TEST(Snapshot, WriteThenLoadNewest) {
  FaultFs fs;
  ASSERT_TRUE(write_snapshot(fs, kDir, 10, 111, "state at ten").ok());
  ASSERT_TRUE(write_snapshot(fs, kDir, 20, 222, "state at twenty").ok());
  std::vector<std::string> skipped;
  auto s = load_newest_snapshot(fs, kDir, &skipped);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ((*s)->info.covered_lsn, 20u);
  EXPECT_EQ((*s)->info.time_ms, 222);
  EXPECT_EQ((*s)->payload, "state at twenty");
  EXPECT_TRUE(skipped.empty());
}

TEST(Snapshot, CorruptNewestIsSkippedAndNamed) {
  FaultFs fs;
  ASSERT_TRUE(write_snapshot(fs, kDir, 10, 0, "good").ok());
  ASSERT_TRUE(write_snapshot(fs, kDir, 20, 0, "soon bad").ok());
  const std::string path = join_path(kDir, snapshot_name(20));
  for (std::size_t byte = 0; byte < fs.contents(path).size(); ++byte) {
    FaultFs copy;
    copy.write_raw(join_path(kDir, snapshot_name(10)),
                   fs.contents(join_path(kDir, snapshot_name(10))));
    std::string bad = fs.contents(path);
    bad[byte] ^= 0x01;
    copy.write_raw(path, bad);
    std::vector<std::string> skipped;
    auto s = load_newest_snapshot(copy, kDir, &skipped);
    ASSERT_TRUE(s.ok() && s->has_value()) << byte;
    EXPECT_EQ((*s)->info.covered_lsn, 10u) << byte;
    ASSERT_EQ(skipped.size(), 1u);
    EXPECT_NE(skipped[0].find(snapshot_name(20)), std::string::npos);
  }
}

// The newest snapshot is picked by name: a file whose header covers another LSN fails every
// check that reads it under that name, and is still readable under a name of its own.
TEST(Snapshot, OneNamedForAnotherLsnIsInvalidUnderThatName) {
  FaultFs fs;
  ASSERT_TRUE(write_snapshot(fs, kDir, 10, 0, "ten").ok());
  ASSERT_TRUE(write_snapshot(fs, kDir, 20, 0, "twenty").ok());
  const std::string misnamed = join_path(kDir, snapshot_name(0x99));
  fs.write_raw(misnamed, fs.contents(join_path(kDir, snapshot_name(10))));
  const std::string problem = "covered lsn 10 does not match the file name";
  auto inspected = inspect_snapshot(fs, misnamed);
  ASSERT_TRUE(inspected.ok());
  EXPECT_FALSE(inspected->valid);
  EXPECT_EQ(inspected->problem, problem);
  auto listed = list_snapshots(fs, kDir, false);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].name, snapshot_name(0x99));
  EXPECT_EQ((*listed)[0].problem, problem);
  std::vector<std::string> skipped;
  auto newest = load_newest_snapshot(fs, kDir, &skipped);
  ASSERT_TRUE(newest.ok() && newest->has_value());
  EXPECT_EQ((*newest)->payload, "twenty");
  EXPECT_EQ(skipped, std::vector<std::string>{snapshot_name(0x99) + ": " + problem});
  fs.write_raw(join_path(kDir, "copy-of-ten.snap"), fs.contents(misnamed));
  EXPECT_TRUE(inspect_snapshot(fs, join_path(kDir, "copy-of-ten.snap"))->valid);
}

// Recovery keeps a snapshot that fails its checks as evidence; a new snapshot of the same
// LSN (the shutdown snapshot after such a start) used to rename over it (probe 32). It is
// set aside as .corrupt instead; a good file of that LSN is simply replaced.
TEST(Snapshot, ANewSnapshotSetsAsideAFailingFileOfItsNameAndReplacesAGoodOne) {
  FaultFs fs;
  ASSERT_TRUE(write_snapshot(fs, kDir, 20, 0, "first twenty").ok());
  const std::string path = join_path(kDir, snapshot_name(20));
  std::string bad = fs.contents(path);
  bad.back() ^= 0x01;
  fs.write_raw(path, bad);
  std::string set_aside;
  ASSERT_TRUE(write_snapshot(fs, kDir, 20, 0, "second twenty", &set_aside).ok());
  EXPECT_EQ(set_aside, path + ".corrupt (payload checksum mismatch)");
  EXPECT_EQ(fs.contents(path + ".corrupt"), bad);
  auto newest = load_newest_snapshot(fs, kDir, nullptr);
  ASSERT_TRUE(newest.ok() && newest->has_value());
  EXPECT_EQ((*newest)->payload, "second twenty");
  set_aside.clear();
  ASSERT_TRUE(write_snapshot(fs, kDir, 20, 0, "third twenty", &set_aside).ok());
  EXPECT_EQ(set_aside, "");
  EXPECT_FALSE(fs.exists(path + ".corrupt.1"));
  EXPECT_EQ((*load_newest_snapshot(fs, kDir, nullptr))->payload, "third twenty");
}

TEST(Snapshot, TruncatedAndTempFilesAreNeverLoaded) {
  FaultFs fs;
  ASSERT_TRUE(write_snapshot(fs, kDir, 5, 0, "five").ok());
  fs.write_raw(join_path(kDir, snapshot_name(9) + ".tmp"), "half written");
  std::string whole;
  ASSERT_TRUE(write_snapshot(fs, kDir, 7, 0, "seven").ok());
  std::string seven = fs.contents(join_path(kDir, snapshot_name(7)));
  fs.write_raw(join_path(kDir, snapshot_name(7)), seven.substr(0, seven.size() - 1));
  auto s = load_newest_snapshot(fs, kDir, nullptr);
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_EQ((*s)->payload, "five");
  ASSERT_TRUE(prune_snapshots(fs, kDir, 1).ok());
  EXPECT_FALSE(fs.exists(join_path(kDir, snapshot_name(9) + ".tmp")));
  // A corrupt snapshot newer than every good one is kept as evidence for the operator.
  EXPECT_TRUE(fs.exists(join_path(kDir, snapshot_name(7))));
  EXPECT_TRUE(fs.exists(join_path(kDir, snapshot_name(5))));
}

TEST(Snapshot, FailedRenameOrDirSyncLeavesTheOldSnapshotLoadableAfterCrash) {
  for (FaultOp op : {FaultOp::kWrite, FaultOp::kSync, FaultOp::kRename, FaultOp::kSyncDir}) {
    FaultFs fs;
    ASSERT_TRUE(write_snapshot(fs, kDir, 1, 0, "one").ok());
    fs.inject({op, 1, false});
    EXPECT_FALSE(write_snapshot(fs, kDir, 2, 0, "two").ok());
    fs.crash(7);
    auto s = load_newest_snapshot(fs, kDir, nullptr);
    ASSERT_TRUE(s.ok() && s->has_value());
    EXPECT_EQ((*s)->payload, "one");
  }
}

TEST(Snapshot, PruneKeepsTheNewestValid) {
  FaultFs fs;
  for (std::uint64_t lsn = 1; lsn <= 5; ++lsn) {
    ASSERT_TRUE(write_snapshot(fs, kDir, lsn, 0, "s" + std::to_string(lsn)).ok());
  }
  ASSERT_TRUE(prune_snapshots(fs, kDir, 2).ok());
  auto all = list_snapshots(fs, kDir, true);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].covered_lsn, 5u);
  EXPECT_EQ((*all)[1].covered_lsn, 4u);
  auto info = inspect_snapshot(fs, join_path(kDir, snapshot_name(5)));
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->valid);
  EXPECT_EQ(info->payload_bytes, 2u);
}

// The payload's last byte changed, the file's length kept: only its checksum tells.
void damage_payload(FaultFs& fs, std::uint64_t lsn) {
  const std::string path = join_path(kDir, snapshot_name(lsn));
  std::string bytes = fs.contents(path);
  bytes.back() ^= 0x5a;
  fs.write_raw(path, bytes);
}

TEST(Snapshot, PruneTrustsTheSnapshotsTheCallerCheckedAndReadsTheOthers) {
  for (bool checked_by_caller : {false, true}) {
    FaultFs fs;
    for (std::uint64_t lsn = 1; lsn <= 3; ++lsn) {
      ASSERT_TRUE(write_snapshot(fs, kDir, lsn, 0, "state " + std::to_string(lsn)).ok());
    }
    damage_payload(fs, 3);
    std::set<std::string> checked;
    if (checked_by_caller) checked = {snapshot_name(3), snapshot_name(2)};
    const std::uint64_t read_before = fs.bytes_read();
    auto kept = prune_snapshots(fs, kDir, 2, checked);
    ASSERT_TRUE(kept.ok());
    const std::uint64_t read = fs.bytes_read() - read_before;
    if (checked_by_caller) {
      // Taken as good without a read of its payload: only the three headers were read.
      EXPECT_EQ(*kept, (std::vector<std::string>{snapshot_name(3), snapshot_name(2)}));
      EXPECT_EQ(read, 3 * format::kSnapshotHeaderBytes);
      EXPECT_FALSE(fs.exists(join_path(kDir, snapshot_name(1))));
    } else {
      // Read and found damaged: kept as evidence, the two good ones under it kept too.
      EXPECT_EQ(*kept, (std::vector<std::string>{snapshot_name(2), snapshot_name(1)}));
      EXPECT_TRUE(fs.exists(join_path(kDir, snapshot_name(3))));
      EXPECT_TRUE(fs.exists(join_path(kDir, snapshot_name(1))));
    }
  }
}

TEST(Snapshot, APayloadIsReadOnceAndRefusedWhenItsLengthOrChecksumIsWrong) {
  FaultFs fs;
  ASSERT_TRUE(write_snapshot(fs, kDir, 4, 0, "four").ok());
  ASSERT_TRUE(write_snapshot(fs, kDir, 6, 0, "six").ok());
  auto all = list_snapshots(fs, kDir, false);
  ASSERT_TRUE(all.ok() && all->size() == 2u);
  SnapshotInfo six = (*all)[0];
  SnapshotInfo four = (*all)[1];
  const std::uint64_t read_before = fs.bytes_read();
  auto payload = read_snapshot_payload(fs, kDir, six);
  ASSERT_TRUE(payload.ok());
  EXPECT_TRUE(six.valid);
  EXPECT_EQ(*payload, "six");
  EXPECT_EQ(fs.bytes_read() - read_before, 3u);  // the payload alone, once

  const std::string four_path = join_path(kDir, snapshot_name(4));
  fs.write_raw(four_path, fs.contents(four_path) + "!");  // grew after its header was read
  ASSERT_TRUE(read_snapshot_payload(fs, kDir, four).ok());
  EXPECT_FALSE(four.valid);
  EXPECT_EQ(four.problem, "payload length 4 does not match the file size");

  damage_payload(fs, 6);
  SnapshotInfo damaged = (*all)[0];
  ASSERT_TRUE(read_snapshot_payload(fs, kDir, damaged).ok());
  EXPECT_FALSE(damaged.valid);
  EXPECT_EQ(damaged.problem, "payload checksum mismatch");
}

}  // namespace
}  // namespace codeledger::wal
