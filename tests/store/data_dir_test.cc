// The data directory: one server at a time (its lock), a mistyped path refused rather than
// created, and the leftover of an interrupted snapshot swept at start-up.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "store_test_util.h"
#include "wal/format.h"
#include "wal/record.h"

namespace codeledger::store {
namespace {

using testing::LogLines;
using testing::open_store;
using testing::options_on;
using testing::ScratchDir;
using testing::Workload;

// A store on the real file system (flock and mkdir are what is tested). Durability none:
// nothing here waits for the disk.
StoreOptions options_in(const std::string& dir, LogLines& log) {
  StoreOptions o;
  o.data_dir = dir;
  o.wal.durability = wal::Durability::kNone;
  o.wal.segment_bytes_max = 4096;
  o.ledger.shard_count = 8;
  o.orgs.push_back({testing::kOrg, ledger::OrgSettings{}});
  o.log = log.sink();
  return o;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Two servers on one directory wrote the same segment and lost acknowledged writes: the
// second is refused, naming the first one's pid, and the first goes on undisturbed.
TEST(DataDir, SecondStoreOnTheSameDirectoryIsRefusedWithTheHoldersPid) {
  ScratchDir tmp;
  LogLines log;
  auto first = Store::open(options_in(tmp.path(), log));
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto second = Store::open(options_in(tmp.path(), log));
  ASSERT_FALSE(second.ok());
  const std::string expected = "data directory " + tmp.path() +
                               " is in use by another codeledgerd (pid " +
                               std::to_string(::getpid()) + ")";
  EXPECT_TRUE(contains(second.status().message(), expected)) << second.status().message();
  Workload w(1);
  ASSERT_EQ(w.run(**first, 20), 20) << w.last_error().message();
  ASSERT_TRUE((*first)->close().ok());
  // close() lets go of the directory: the next server starts with everything acknowledged.
  auto third = Store::open(options_in(tmp.path(), log));
  ASSERT_TRUE(third.ok()) << third.status().message();
  EXPECT_EQ((*third)->ledger().state_hash(), w.acked_hash());
}

// A server killed with SIGKILL never runs close(): the kernel drops its lock with its
// descriptors, as destroying the store without close() does here.
TEST(DataDir, LockGoesWithTheStore) {
  ScratchDir tmp;
  LogLines log;
  {
    auto first = Store::open(options_in(tmp.path(), log));
    ASSERT_TRUE(first.ok()) << first.status().message();
  }
  auto again = Store::open(options_in(tmp.path(), log));
  EXPECT_TRUE(again.ok()) << again.status().message();
  // The lock file is no segment and no snapshot: nothing else reads it.
  EXPECT_TRUE(std::filesystem::exists(tmp.path() + "/" + std::string(wal::format::kLockFileName)));
}

// `--data-dir nx/a/b` (a typo) once became three new directories and an empty ledger.
TEST(DataDir, APathWhoseParentIsMissingIsRefusedAndNothingIsCreated) {
  ScratchDir tmp;
  LogLines log;
  auto opened = Store::open(options_in(tmp.path() + "/nx/a/b", log));
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(contains(opened.status().message(),
                       "parent directory " + tmp.path() + "/nx/a does not exist"))
      << opened.status().message();
  EXPECT_FALSE(std::filesystem::exists(tmp.path() + "/nx"));
}

// The quick start relies on ./data being created; that is said once, when it happens.
TEST(DataDir, AMissingDirectoryWhoseParentExistsIsCreatedAndSaidSo) {
  ScratchDir tmp;
  LogLines log;
  const std::string dir = tmp.path() + "/data";
  auto opened = Store::open(options_in(dir, log));
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_EQ(log.count("created data directory " + dir), 1u) << log.all();
  ASSERT_TRUE((*opened)->close().ok());
  auto reopened = Store::open(options_in(dir + "/", log));
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  EXPECT_EQ(log.count("created data directory"), 1u) << log.all();
}

// A kill -9 while a snapshot was written leaves a temp file as big as the state; it was
// only removed after the next successful snapshot.
TEST(DataDir, LeftoverSnapshotTempFileIsRemovedAtStartAndSaidSo) {
  wal::FaultFs fs;
  LogLines log;
  const std::string leftover = wal::snapshot_name(5) + std::string(wal::format::kTempSuffix);
  fs.write_raw("/data/" + leftover, std::string(100'000, 'x'));
  StoreOptions o = options_on(fs);
  o.log = log.sink();
  auto store = open_store(fs, o);
  ASSERT_TRUE(store);
  EXPECT_FALSE(fs.exists("/data/" + leftover));
  EXPECT_EQ(log.count("removed " + leftover + " (100000 bytes)"), 1u) << log.all();
}

// The sweep runs only once the directory is this server's: a second server that is refused
// must not delete the temp file of a snapshot the first one is writing.
TEST(DataDir, ARefusedServerLeavesTheRunningOnesTempFileAlone) {
  wal::FaultFs fs;
  LogLines log;
  StoreOptions o = options_on(fs);
  o.log = log.sink();
  auto running = open_store(fs, o);
  ASSERT_TRUE(running);
  const std::string in_progress = "/data/" + wal::snapshot_name(9) + ".tmp";
  fs.write_raw(in_progress, "a snapshot being written");
  auto refused = Store::open(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.status().message(), "is in use by another codeledgerd"))
      << refused.status().message();
  EXPECT_TRUE(fs.exists(in_progress));
}

}  // namespace
}  // namespace codeledger::store
