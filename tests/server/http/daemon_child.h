// The real codeledgerd as a child process, for the tests that run it on 127.0.0.1:0 with
// stdout and stderr in files (daemon_signals_test.cc, daemon_demo_test.cc). tests/crash/
// daemon.h does the same for the crash tests, but always waits for the listening line; the
// signal tests signal the child before that.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/support/spawn.h"

namespace codeledger::server::daemon_testing {

namespace fs = std::filesystem;

// Sanitizer builds recover several times slower.
inline constexpr std::chrono::seconds kChildTimeout{120};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// $CODELEDGER_BIN_DIR (set by ctest), else the build tree this test binary sits in.
inline std::string daemon_binary() {
  const char* dir = std::getenv("CODELEDGER_BIN_DIR");
  const fs::path bin_dir = dir != nullptr && *dir != '\0'
                               ? fs::path(dir)
                               : fs::read_symlink("/proc/self/exe").parent_path().parent_path();
  return (bin_dir / "server" / "codeledgerd").string();
}

// codeledgerd with `args`, its stdout and stderr in dir/out.txt and dir/err.txt. The
// destructor SIGKILLs a child still running, so a failed assertion leaves no server behind.
class Child {
 public:
  using Clock = std::chrono::steady_clock;

  Child(const fs::path& dir, std::vector<std::string> args) : out_(dir / "out.txt"), err_(dir / "err.txt") {
    args.insert(args.begin(), daemon_binary());
    pid_ = codeledger::testing::spawn_with_output_files(std::move(args), out_.string(), err_.string(), nullptr);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return pid_ > 0; }
  std::string out() const { return read_file(out_); }
  std::string err() const { return read_file(err_); }
  void signal(int signo) const { ::kill(pid_, signo); }
  bool running() { return !exited(); }

  // Until `text` shows in stdout (or stderr); false when the child exits first or on timeout.
  bool wait_for_output(std::string_view text, bool in_stderr = false) {
    for (const auto deadline = Clock::now() + kChildTimeout; Clock::now() < deadline;) {
      if ((in_stderr ? err() : out()).find(text) != std::string::npos) return true;
      if (exited()) return (in_stderr ? err() : out()).find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

  // The wait status, or -1 when the child is still running at the timeout.
  int wait_exit() {
    for (const auto deadline = Clock::now() + kChildTimeout; Clock::now() < deadline;) {
      if (exited()) return status_;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }

 private:
  bool exited() {
    if (pid_ > 0 && ::waitpid(pid_, &status_, WNOHANG) == pid_) pid_ = -1;
    return pid_ <= 0;
  }

  fs::path out_, err_;
  pid_t pid_ = -1;
  int status_ = -1;
};

inline bool exited_cleanly(int status) {
  return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The port a child that printed its listening line serves on.
inline std::uint16_t listening_port(const std::string& out) {
  const std::string_view marker = "http://127.0.0.1:";
  const auto at = out.find(marker);
  return at == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(out.substr(at + marker.size())));
}

}  // namespace codeledger::server::daemon_testing
