#include "tools/snapshot_io.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "tools/cli.h"
#include "wal/format.h"
#include "wal/record.h"

namespace codeledger::tools {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kStagingPrefix = ".ledgerctl-snapshot-";
constexpr std::string_view kStagingSuffix = ".d";

// ".ledgerctl-snapshot-4242.d" -> 4242; 0 for any other name.
pid_t staging_pid(std::string_view name) {
  if (!name.starts_with(kStagingPrefix) || !name.ends_with(kStagingSuffix)) return 0;
  const std::string_view digits = name.substr(
      kStagingPrefix.size(), name.size() - kStagingPrefix.size() - kStagingSuffix.size());
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return 0;
  }
  return static_cast<pid_t>(std::strtol(std::string(digits).c_str(), nullptr, 10));
}

// SIGINT and SIGTERM while write_snapshot_file runs are taken by a thread of their own
// (sigwait), so that they act by where the write is instead of ending the process wherever
// it is: Ctrl-C during the write left the hidden staging directory and its partial file
// forever, and Ctrl-C just after the rename exited 130 without a word about the complete
// file (probe 36b). The signals stay blocked in this thread until the process exits: one
// that comes once the file is complete is only said.
class InterruptGuard {
 public:
  InterruptGuard(fs::path staging, std::string target)
      : staging_(std::move(staging)), target_(std::move(target)) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR1);  // finish()'s wake-up
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this] { wait_for_signals(); });
  }
  ~InterruptGuard() { finish(); }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // Makes the staging directory (`create`, a wal::Status) with the signal thread held off: a
  // stop that came first holds the lock until the exit, so the directory is never made after
  // the stop removed it (it would stay behind).
  template <class Create>
  wal::Status create_staging(Create&& create) {
    std::lock_guard lock(mu_);
    return create();
  }

  // Puts the file at its name (`rename`, true when done) with the signal thread held off: a
  // signal either stopped the run before, or comes after and is only said.
  template <class Rename>
  bool rename_into_place(Rename&& rename) {
    std::lock_guard lock(mu_);
    renamed_ = rename();
    return renamed_;
  }

  // Ends the guard; the stop signal that came once the file was complete (still pending, or
  // taken by the thread), 0 when none did.
  int finish() {
    if (!thread_.joinable()) return late_signal_;
    {
      std::lock_guard lock(mu_);
      finished_ = true;
    }
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    for (int signo : {SIGINT, SIGTERM}) {
      if (late_signal_ == 0 && sigismember(&pending, signo) == 1) late_signal_ = signo;
    }
    return late_signal_;
  }

 private:
  void wait_for_signals() {
    for (;;) {
      int signo = 0;
      if (sigwait(&set_, &signo) != 0) continue;
      std::lock_guard lock(mu_);
      if (signo == SIGUSR1) {
        if (finished_) return;
        continue;  // not finish()'s: someone else's, ignored while the file is written
      }
      if (renamed_) {
        if (late_signal_ == 0) late_signal_ = signo;
        if (finished_) return;
        continue;
      }
      // Held until the exit: the writing thread can no longer rename the file into place.
      const std::error_code ec = remove_staging();
      const std::string removed = ec ? "not removed: " + ec.message() : std::string("removed");
      std::fprintf(stderr,
                   "ledgerctl: %s: stopped; %s was not written (its unfinished copy in %s was %s)\n",
                   signo == SIGINT ? "SIGINT" : "SIGTERM", target_.c_str(), staging_.c_str(),
                   removed.c_str());
      std::fflush(stderr);
      std::_Exit(128 + signo);
    }
  }

  // The writing thread goes on while this runs, and may add its file to the directory
  // meanwhile: remove_all then fails (not empty), so it is tried again. Once the directory is
  // gone nothing can be added to it. (One try left it behind in 1 of 5 runs of
  // SnapshotWrite.CtrlC... on a busy machine.)
  std::error_code remove_staging() {
    std::error_code ec;
    for (int attempt = 0; attempt < 100; ++attempt) {
      fs::remove_all(staging_, ec);
      if (!ec) return ec;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return ec;
  }

  const fs::path staging_;
  const std::string target_;
  sigset_t set_;
  std::mutex mu_;
  bool renamed_ = false;   // guarded by mu_
  bool finished_ = false;  // guarded by mu_
  int late_signal_ = 0;    // guarded by mu_ until the thread is joined
  std::thread thread_;     // last: started once the members it reads exist
};

}  // namespace

SnapshotProgress::SnapshotProgress(std::string_view command, const std::string& path,
                                   std::uint64_t bytes)
    : done_text_(std::string(command) + ": snapshot " + path + " checked and decoded"),
      step_(progress_line,
            std::string(command) + ": snapshot " + path + " (" + store::megabytes(bytes) + ")",
            [this] { return std::string(phase_.load()); }) {}

wal::SnapshotInfo inspect_snapshot_file(const std::string& path, SnapshotProgress* progress) {
  if (progress) progress->phase("checking its checksum");
  auto info = wal::inspect_snapshot(wal::posix_fs(), path);
  if (!info.ok()) throw CliError("cannot read snapshot " + path + ": " + info.status().message());
  return *info;
}

bool load_snapshot_file(const std::string& path, const wal::SnapshotInfo& info,
                        ledger::Ledger& into, std::string* problem, SnapshotProgress* progress) {
  if (progress) progress->phase("reading it");
  auto bytes =
      wal::posix_fs().read_range(path, wal::format::kSnapshotHeaderBytes, info.payload_bytes);
  if (!bytes.ok()) throw CliError("cannot read snapshot " + path + ": " + bytes.status().message());
  if (progress) progress->phase("decoding it");
  Status st = into.decode_snapshot(*bytes);
  if (!st.ok()) *problem = "does not decode: " + st.message();
  if (st.ok() && progress) progress->done();
  return st.ok();
}

void check_new_snapshot_path(const std::string& path) {
  if (path.empty()) throw CliError::usage("--write-snapshot needs a file name");
  std::error_code ec;
  if (fs::symlink_status(path, ec).type() != fs::file_type::not_found) {
    throw CliError("cannot write snapshot " + path +
                   ": it already exists (left unchanged; remove it or choose a new name)");
  }
  const fs::path parent = fs::absolute(path).parent_path();
  if (!fs::is_directory(parent, ec)) {
    throw CliError("cannot write snapshot " + path + ": no directory " + parent.string());
  }
}

// kill(pid, 0) fails with ESRCH only when no process has that pid: EPERM (another user's
// process) and success keep the directory. A pid reused since is taken for alive, so the
// directory waits for a later run: never removed while its writer may still be at work.
void remove_stale_staging_dirs(const std::string& path) {
  const fs::path parent = fs::absolute(path).parent_path();
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const pid_t pid = staging_pid(name);
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code removed;
    fs::remove_all(it->path(), removed);
    if (removed) {
      std::fprintf(stderr,
                   "ledgerctl: note: cannot remove %s, left by an interrupted run (pid %d): %s\n",
                   it->path().c_str(), static_cast<int>(pid), removed.message().c_str());
    } else {
      std::fprintf(stderr,
                   "ledgerctl: note: removed %s: the unfinished snapshot of a run of ledgerctl "
                   "that was killed (pid %d, no longer running)\n",
                   it->path().c_str(), static_cast<int>(pid));
    }
  }
}

int write_snapshot_file(const std::string& path, std::uint64_t covered_lsn, std::int64_t time_ms,
                        std::string_view payload) {
  check_new_snapshot_path(path);  // again: the replay before this may have taken a while
  const fs::path target = fs::absolute(path);
  const fs::path staging = target.parent_path() / (std::string(kStagingPrefix) +
                                                   std::to_string(::getpid()) +
                                                   std::string(kStagingSuffix));
  std::error_code ec;
  fs::remove_all(staging, ec);
  InterruptGuard guard(staging, path);
  auto fail = [&](const std::string& what) {
    fs::remove_all(staging, ec);
    throw CliError("cannot write snapshot " + path + ": " + what);
  };
  wal::FileSystem& posix = wal::posix_fs();
  if (wal::Status st = guard.create_staging([&] { return posix.create_dir(staging.string()); });
      !st.ok()) {
    fail(st.message());
  }
  if (wal::Status st = wal::write_snapshot(posix, staging.string(), covered_lsn, time_ms, payload);
      !st.ok()) {
    fail(st.message());
  }
  const fs::path written = staging / wal::snapshot_name(covered_lsn);
  wal::Status renamed;
  if (!guard.rename_into_place([&] {
        renamed = posix.rename(written.string(), target.string());
        return renamed.ok();
      })) {
    fail(renamed.message());
  }
  fs::remove_all(staging, ec);
  if (wal::Status st = posix.sync_dir(target.parent_path().string()); !st.ok()) {
    throw CliError("wrote snapshot " + path + ", complete, but could not sync its directory (" +
                   st.message() + "): a power cut may still lose it");
  }
  return guard.finish();
}

}  // namespace codeledger::tools
