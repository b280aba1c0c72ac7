// The real codeledgerd as a child process, for the crash tests: spawned with posix_spawn on
// 127.0.0.1 port 0, its stdout and stderr redirected to files next to the data dir (a file,
// unlike a pipe, never blocks the child when nobody reads it, and it is there to read after
// a failure). The port comes from the "listening on" line. The destructor SIGKILLs a child
// that is still running, so a failed assertion never leaves a stray server behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace codeledger::crash {

struct DaemonOptions {
  std::string data_dir;
  std::string config_path;           // --config; empty: the embedded demo
  std::string durability = "sync";   // sync | async | none
  std::string log_prefix;            // stdout/stderr go to <log_prefix>.<n>.out / .err
  std::vector<std::string> run_under{};  // a command the server runs under (found on PATH),
                                         // e.g. {"prlimit", "--nofile=64:64"}; empty: none
  std::vector<std::string> extra_args{};  // more codeledgerd flags, after the usual ones
  std::chrono::milliseconds start_timeout{60'000};
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Spawns the server and waits for its listening line; false (with error()) when it exits
  // or does not listen in time. Each start writes fresh log files.
  bool start();
  // SIGKILL and reap: the crash under test.
  void kill9();
  // SIGTERM, then SIGKILL after `grace`; returns the wait status (-1 when not running).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(30));

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  const std::string& error() const { return error_; }
  // Everything the current (or last) child wrote to stdout so far.
  std::string stdout_text() const;
  std::string stderr_text() const;

  // $CODELEDGER_BIN_DIR/server/codeledgerd (empty when the variable is not set).
  static std::string binary_path();

 private:
  bool wait_for_listening();
  void reap(int* status);

  DaemonOptions options_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int starts_ = 0;
  std::string out_path_;
  std::string err_path_;
  std::string error_;
};

// A fresh directory under $TMPDIR (or /tmp); removed by the destructor unless keep() was called.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

// Writes a codeledgerd config file for the demo organisation and the demo key with a rate
// limit far above what the tests send (the demo key's default, 1 000 per minute, would make
// the load mostly 429s), with durability.sync_lanes = sync_lanes. Returns the path.
std::string write_unthrottled_demo_config(const std::string& dir, unsigned sync_lanes = 1);

// Snapshot file names (snap-*.snap) currently in `data_dir`.
std::vector<std::string> snapshot_files(const std::string& data_dir);

}  // namespace codeledger::crash
