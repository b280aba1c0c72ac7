#include "tests/crash/daemon.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "server/capillary/demo.h"
#include "server/http/crypto.h"
#include "tests/support/spawn.h"


namespace codeledger::crash {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr std::string_view kListening = "listening on http://127.0.0.1:";

}  // namespace

std::string Daemon::binary_path() {
  const char* dir = std::getenv("CODELEDGER_BIN_DIR");
  if (dir == nullptr || *dir == '\0') return {};
  return std::string(dir) + "/server/codeledgerd";
}

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {
  if (options_.log_prefix.empty()) options_.log_prefix = options_.data_dir + "-log";
}

Daemon::~Daemon() {
  if (pid_ > 0) kill9();
}

bool Daemon::start() {
  if (pid_ > 0) kill9();
  error_.clear();
  port_ = 0;
  const std::string bin = binary_path();
  if (bin.empty() || !fs::exists(bin)) {
    error_ = "codeledgerd not found (CODELEDGER_BIN_DIR=" + bin + ")";
    return false;
  }
  ++starts_;
  out_path_ = options_.log_prefix + "." + std::to_string(starts_) + ".out";
  err_path_ = options_.log_prefix + "." + std::to_string(starts_) + ".err";

  std::vector<std::string> args = options_.run_under;
  args.insert(args.end(), {bin, "--listen", "127.0.0.1:0", "--data-dir", options_.data_dir,
                           "--durability", options_.durability, "--demo"});
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  if (!options_.config_path.empty()) {
    args.push_back("--config");
    args.push_back(options_.config_path);
  }
  const pid_t pid = codeledger::testing::spawn_with_output_files(std::move(args), out_path_, err_path_, &error_);
  if (pid < 0) return false;
  pid_ = pid;
  return wait_for_listening();
}

// Polls the stdout file for the listening line; a child that exits first (a recovery that
// refuses to start) is reaped and reported with its stderr.
bool Daemon::wait_for_listening() {
  const auto deadline = Clock::now() + options_.start_timeout;
  while (Clock::now() < deadline) {
    const std::string out = read_file(out_path_);
    if (auto at = out.find(kListening); at != std::string::npos) {
      const auto end = out.find_first_not_of("0123456789", at + kListening.size());
      if (end != std::string::npos) {
        port_ = static_cast<std::uint16_t>(
            std::stoi(out.substr(at + kListening.size(), end - at - kListening.size())));
        return true;
      }
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "codeledgerd exited before listening (status " + std::to_string(status) +
               "): " + read_file(err_path_);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  error_ = "codeledgerd did not listen within the start timeout: " + read_file(err_path_);
  kill9();
  return false;
}

void Daemon::reap(int* status) {
  while (waitpid(pid_, status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void Daemon::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  reap(&status);
}

int Daemon::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + grace;
  int status = 0;
  while (Clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  reap(&status);
  return status;
}

std::string Daemon::stdout_text() const { return out_path_.empty() ? "" : read_file(out_path_); }
std::string Daemon::stderr_text() const { return err_path_.empty() ? "" : read_file(err_path_); }

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/codeledger-crash-XXXXXX";
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

TempDir::~TempDir() {
  if (keep_ || path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string write_unthrottled_demo_config(const std::string& dir, unsigned sync_lanes) {
  const std::string salt_hex = "5eed0c7a5b1e4f0d9a8b7c6d5e4f3a2b";
  std::string salt;
  server::from_hex(salt_hex, salt);
  const std::string secret =
      server::salted_secret_hash(salt, server::md5_hex(server::capillary::kDemoPassword));
  std::ostringstream json;
  json << R"({"threads": 2, "demo": true, "durability": {"sync_lanes": )" << sync_lanes << "},"
       << R"( "organisations": [{"org_id": )" << server::capillary::kDemoOrgId
       << R"(, "time_zone": "UTC"}],)"
       << R"( "api_keys": [{"name": ")" << server::capillary::kDemoKeyName
       << R"(", "org_id": )" << server::capillary::kDemoOrgId
       << R"(, "scopes": ["read", "write", "admin"], "salt": ")" << salt_hex
       << R"(", "secret_sha256": ")" << secret
       << R"(", "rate_limit_per_minute": 1000000000, "rate_limit_burst": 1000000}]})";
  const std::string path = dir + "/codeledgerd.json";
  std::ofstream(path) << json.str();
  return path;
}

std::vector<std::string> snapshot_files(const std::string& data_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data_dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.starts_with("snap-") && n.ends_with(".snap")) names.push_back(n);
  }
  return names;
}

}  // namespace codeledger::crash
