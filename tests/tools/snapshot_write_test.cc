// `replay --write-snapshot` stopped part way: Ctrl-C while it wrote left the hidden staging
// directory (.ledgerctl-snapshot-<pid>.d, up to the snapshot's size) forever, and Ctrl-C
// just after the rename exited 130 with the complete file in place and no word of it
// (probe 36b). Now the run either removes its staging directory and says the file was not
// written, or keeps the complete file and says it wrote it; and a run that was killed
// outright (SIGKILL) has its directory removed by the next run.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fixture.h"
#include "wal/file.h"
#include "wal/record.h"
#include "wal/snapshot.h"

extern char** environ;

namespace codeledger::tools::testing {
namespace {

namespace fs = std::filesystem;

std::string ledgerctl_binary() {
  if (const char* dir = std::getenv("CODELEDGER_BIN_DIR")) return std::string(dir) + "/tools/ledgerctl";
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "tools" / "ledgerctl").string();
}

std::string staging_name(pid_t pid) { return ".ledgerctl-snapshot-" + std::to_string(pid) + ".d"; }

// A pid no process has: a child that has exited and been reaped.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

TEST(SnapshotWrite, AStagingDirectoryOfARunThatIsGoneIsRemovedByTheNextRun) {
  const auto& h = LedgerHistory::get();
  const std::string out = make_temp_dir();
  const pid_t gone = dead_pid();
  const fs::path stale = fs::path(out) / staging_name(gone);
  fs::create_directories(stale);
  std::ofstream(stale / (wal::snapshot_name(7) + ".tmp")) << "half a snapshot";
  const fs::path live = fs::path(out) / staging_name(::getpid());  // this test is running
  fs::create_directories(live);
  const fs::path other = fs::path(out) / ".ledgerctl-snapshot-x.d";  // not ours: no pid
  fs::create_directories(other);

  auto r = run_ledgerctl({"replay", "--until", "7", "--write-snapshot", out + "/asof.snap",
                          "--data-dir", h.data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_NE(r.err.find("ledgerctl: note: removed " + stale.string() +
                       ": the unfinished snapshot of a run of ledgerctl that was killed (pid " +
                       std::to_string(gone) + ", no longer running)"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::exists(live)) << "a running pid's directory is left alone";
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(out + "/asof.snap"));
  fs::remove_all(out);
}

struct Outcome {
  int status = -1;
  std::string out, err;
};

// ledgerctl with SIGINT sent the moment its staging directory shows (it is then writing, or
// renaming, or just done): where the signal lands differs from run to run, what the run
// leaves and says must match either way.
Outcome interrupt_while_writing(const std::string& data_dir, const std::string& file) {
  const fs::path dir = fs::path(file).parent_path();
  const std::string out_path = dir.string() + "/stdout", err_path = dir.string() + "/stderr";
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&files, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A Ctrl-C's default action, whatever this test inherited (a background job ignores SIGINT).
  sigset_t defaults, none;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  const std::string binary = ledgerctl_binary();
  std::vector<std::string> args = {binary, "replay", "--until", "7", "--write-snapshot", file,
                                   "--data-dir", data_dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  Outcome o;
  const int spawned = posix_spawn(&pid, binary.c_str(), &files, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) {
    ADD_FAILURE() << "cannot run " << binary;
    return o;
  }
  const fs::path staging = dir / staging_name(pid);
  int status = 0;
  bool exited = false;
  for (const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       std::chrono::steady_clock::now() < deadline;) {
    if (fs::exists(staging)) {
      ::kill(pid, SIGINT);
      break;
    }
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
  }
  if (!exited) ::waitpid(pid, &status, 0);
  o.status = status;
  o.out = read_file(out_path);
  o.err = read_file(err_path);
  return o;
}

TEST(SnapshotWrite, CtrlCWhileItWritesLeavesNoStagingDirectoryAndSaysWhatBecameOfTheFile) {
  const auto& h = LedgerHistory::get();
  int stopped = 0, completed = 0;
  for (int i = 0; i < 8; ++i) {
    const std::string out = make_temp_dir();
    const std::string file = out + "/asof.snap";
    const Outcome o = interrupt_while_writing(h.data_dir(), file);
    // Nothing hidden stays behind, whichever way it went.
    for (const auto& e : fs::directory_iterator(out)) {
      EXPECT_FALSE(e.path().filename().string().starts_with(".ledgerctl-snapshot-")) << e.path();
    }
    const bool exit_0 = WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0;
    const bool exit_130 = WIFEXITED(o.status) && WEXITSTATUS(o.status) == 130;
    EXPECT_TRUE(exit_0 || exit_130) << o.status << "\n" << o.err;
    if (exit_130) {
      ++stopped;
      EXPECT_FALSE(fs::exists(file));
      EXPECT_NE(o.err.find("ledgerctl: SIGINT: stopped; " + file + " was not written (its unfinished copy in "),
                std::string::npos)
          << o.err;
      EXPECT_EQ(o.out.find("wrote"), std::string::npos) << o.out;
    } else if (exit_0) {
      ++completed;
      EXPECT_NE(o.out.find("wrote " + file + ": covers lsn 7"), std::string::npos) << o.out;
      auto info = wal::inspect_snapshot(wal::posix_fs(), file);
      ASSERT_TRUE(info.ok());
      EXPECT_TRUE(info->valid) << info->problem;
      // A signal after the rename is said (when it came before the run's end).
      if (o.err.find("SIGINT") != std::string::npos) {
        EXPECT_NE(o.err.find("ledgerctl: SIGINT came once " + file + " was complete: it is kept"),
                  std::string::npos)
            << o.err;
      }
    }
    fs::remove_all(out);
  }
  std::printf("interrupted while writing: %d stopped before the rename, %d complete\n", stopped, completed);
}

}  // namespace
}  // namespace codeledger::tools::testing
