// The real codeledgerd and the signals an operator (or systemd) sends at awkward moments:
// during recovery, during the graceful stop, and SIGHUP reloads. Each of these used to end
// the process by the signal's default action (exit 129 or 143, no message, no shutdown
// snapshot). The server runs on 127.0.0.1:0 with stdout and stderr in files.
//
// A recovery long enough to signal into: a data directory whose log holds the demo plus
// kRecoveryCodes generated codes and no snapshot, built once in process and copied per test.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "server/capillary/demo.h"
#include "server/http/auth.h"
#include "server/http/crypto.h"
#include "server/http/config.h"
#include "server/store/store.h"
#include "tests/server/http/daemon_child.h"
#include "tests/support/http_client.h"


namespace codeledger::server {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using daemon_testing::Child;
using daemon_testing::daemon_binary;
using daemon_testing::exited_cleanly;
using daemon_testing::listening_port;

constexpr std::size_t kRecoveryCodes = 600'000;
constexpr auto kTimeout = daemon_testing::kChildTimeout;

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class DaemonSignals : public ::testing::Test {
 protected:
  // The demo and kRecoveryCodes more codes in a log without a snapshot, written in process.
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("codeledger-signals-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    store::StoreOptions o;
    o.data_dir = (root_ / "template").string();
    fs::create_directories(o.data_dir);
    o.wal.durability = wal::Durability::kNone;
    o.snapshot_on_close = false;
    o.orgs.emplace_back(capillary::kDemoOrgId, ledger::OrgSettings{});
    auto store = store::Store::open(o);
    ASSERT_TRUE(store.ok()) << store.status().message();
    capillary::seed_demo((*store)->ledger(), capillary::kDemoOrgId, system_clock_ms(), kRecoveryCodes);
    ASSERT_TRUE((*store)->close().ok());
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  void SetUp() override {
    ASSERT_TRUE(fs::exists(daemon_binary())) << daemon_binary() << " is not built";
    dir_ = root_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(dir_);
    fs::copy(root_ / "template", dir_ / "data", fs::copy_options::recursive);
  }

  // codeledgerd on the copied data directory, the embedded demo configuration.
  std::vector<std::string> demo_args() const {
    return {"--listen", "127.0.0.1:0", "--data-dir", (dir_ / "data").string(), "--durability", "none"};
  }

  static inline fs::path root_;
  fs::path dir_;
};

// A loopback port free at the time of asking (bound to port 0, then released).
std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// stdout a pipe whose reader leaves during recovery (`codeledgerd | head -1`): the server
// must not die of SIGPIPE at its next line, silently (probe 33: exit 141); it recovers,
// serves, and stops cleanly on SIGTERM, logged as a stop while serving.
TEST_F(DaemonSignals, AStdoutReaderThatLeavesDoesNotEndTheServer) {
  const fs::path fifo = dir_ / "out.txt";  // Child's stdout
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // O_CLOEXEC: the child must not inherit a read end, or the pipe never loses its reader.
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  const std::uint16_t port = free_loopback_port();
  Child child(dir_, {"--listen", "127.0.0.1:" + std::to_string(port), "--data-dir",
                     (dir_ / "data").string(), "--durability", "none"});
  ASSERT_TRUE(child.started());
  std::string seen;
  for (const auto deadline = Clock::now() + kTimeout;
       seen.find("recovering") == std::string::npos && Clock::now() < deadline;) {
    char buf[256];
    const ssize_t n = ::read(reader, buf, sizeof buf);
    if (n > 0) seen.append(buf, static_cast<std::size_t>(n));
    else std::this_thread::sleep_for(2ms);
  }
  ASSERT_NE(seen.find("recovering"), std::string::npos) << seen;
  ::close(reader);  // the reader leaves while the log replays
  bool serving = false;
  for (const auto deadline = Clock::now() + kTimeout; !serving && Clock::now() < deadline;) {
    if (!child.running()) break;
    serving = accepts_connections(port);
    if (!serving) std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(serving) << "ended before serving: " << child.err();
  // The port accepts from listen() on, a moment before main marks the signals as "while
  // serving": a reload that takes effect says that moment has passed.
  bool reloads = false;
  for (const auto deadline = Clock::now() + kTimeout; !reloads && Clock::now() < deadline;) {
    if (!child.running()) break;
    child.signal(SIGHUP);
    for (int polls = 0; !reloads && polls < 100; ++polls) {  // a signal's answer: well under 200 ms
      std::this_thread::sleep_for(2ms);
      reloads = child.err().find("SIGHUP: keys and limits reloaded") != std::string::npos;
    }
  }
  ASSERT_TRUE(reloads) << child.err();
  child.signal(SIGTERM);
  EXPECT_TRUE(exited_cleanly(child.wait_exit())) << child.err();
  EXPECT_NE(child.err().find("SIGTERM: stopping"), std::string::npos) << child.err();
}

TEST_F(DaemonSignals, SighupDuringRecoveryIsLoggedAndIgnored) {
  Child d(dir_, demo_args());
  ASSERT_TRUE(d.started());
  ASSERT_TRUE(d.wait_for_output("codeledgerd: recovering data dir")) << d.err();
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for_output("codeledgerd listening on http://127.0.0.1:")) << d.err();
  EXPECT_EQ(count(d.err(), "codeledgerd: SIGHUP before serving: ignored"), 1u) << d.err();
  d.signal(SIGTERM);
  EXPECT_TRUE(exited_cleanly(d.wait_exit())) << d.err();
}

TEST_F(DaemonSignals, StopSignalDuringRecoveryEndsTheStartUpWithoutServing) {
  Child d(dir_, demo_args());
  ASSERT_TRUE(d.started());
  ASSERT_TRUE(d.wait_for_output("codeledgerd: recovering data dir")) << d.err();
  d.signal(SIGTERM);
  const int status = d.wait_exit();
  EXPECT_TRUE(exited_cleanly(status)) << status << "\n" << d.err();
  const std::string err = d.err();
  EXPECT_NE(err.find("codeledgerd: SIGTERM during start-up: stopping before serving"), std::string::npos) << err;
  // The replay stops at its next batch; a signal that came after the last one stops the
  // start-up once recovery returns. Which of the two depends on the signal's timing.
  const bool in_replay = err.find("codeledgerd: start-up stopped by SIGTERM during recovery: not serving; "
                                  "recovery stopped on request after ") != std::string::npos;
  const bool after_replay = err.find("codeledgerd: start-up stopped by SIGTERM: not serving") != std::string::npos;
  EXPECT_TRUE(in_replay != after_replay) << err;
  EXPECT_EQ(d.out().find("listening on"), std::string::npos) << d.out();
  EXPECT_NE(d.out().find("codeledgerd: stopped"), std::string::npos) << d.out();
}

// operations.md: "A second signal during the stop changes nothing": the shutdown snapshot
// is still written and the exit is clean.
TEST_F(DaemonSignals, SignalsDuringTheStopAreLoggedAndChangeNothing) {
  Child d(dir_, demo_args());
  ASSERT_TRUE(d.started());
  ASSERT_TRUE(d.wait_for_output("codeledgerd listening on http://127.0.0.1:")) << d.err();
  d.signal(SIGTERM);
  ASSERT_TRUE(d.wait_for_output("codeledgerd: SIGTERM: stopping", true)) << d.err();
  d.signal(SIGTERM);
  d.signal(SIGINT);
  d.signal(SIGHUP);
  const int status = d.wait_exit();
  EXPECT_TRUE(exited_cleanly(status)) << status << "\n" << d.err();
  const std::string err = d.err();
  EXPECT_EQ(count(err, "during the stop: ignored; the stop goes on"), 3u) << err;
  EXPECT_NE(d.out().find("codeledgerd: stopped"), std::string::npos) << d.out();
  bool snapshot = false;
  for (const auto& e : fs::directory_iterator(dir_ / "data")) {
    snapshot = snapshot || e.path().extension() == ".snap";
  }
  EXPECT_TRUE(snapshot) << "no shutdown snapshot";
}

// operations.md, "Clean shutdown": a stop that waits says so, once its first second has
// passed, with what it waits for, and says when that ended. Here a request in flight: its
// head has begun to arrive, so the stop waits for it (up to 10 s) instead of closing it.
TEST_F(DaemonSignals, AStopThatWaitsForARequestInFlightSaysWhatItWaitsForAndWhenItEnds) {
  std::vector<std::string> args = demo_args();
  args.insert(args.end(), {"--threads", "1"});
  Child d(dir_, args);
  ASSERT_TRUE(d.started());
  ASSERT_TRUE(d.wait_for_output("codeledgerd listening on http://127.0.0.1:")) << d.err();
  const std::uint16_t port = listening_port(d.out());
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const std::string head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";  // no blank line yet
  ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  {
    // One io thread: once it has answered this, it has read the head above, sent earlier.
    codeledger::testing::HttpClient c(port);
    ASSERT_EQ(c.get("/healthz").result_int(), 200);
  }
  d.signal(SIGTERM);
  const bool waiting = d.wait_for_output(
      "codeledgerd: stop: waiting for requests in flight (up to 10000 ms): open connections: 1, ", true);
  ::close(fd);  // the client goes: nothing is in flight any more
  ASSERT_TRUE(waiting) << d.err();
  EXPECT_TRUE(exited_cleanly(d.wait_exit())) << d.err();
  const std::string err = d.err();
  EXPECT_EQ(count(err, "codeledgerd: stop: requests in flight answered in "), 1u) << err;
  EXPECT_LT(err.find("codeledgerd: SIGTERM: stopping"), err.find("codeledgerd: stop: waiting for requests"))
      << err;
  EXPECT_EQ(count(err, "stop: waiting for bulk calls"), 0u) << "none ran: " << err;
  EXPECT_NE(d.out().find("codeledgerd: stopped"), std::string::npos) << d.out();
}

// operations.md: "A bad value in any source stops start-up with exit code 2 and names the
// source and the field ..., before the data directory is opened: nothing is recovered, seeded
// or written." One bad value from each source: a flag, the environment, the config file.
TEST_F(DaemonSignals, ABadValueInAnySourceExitsWith2BeforeTheDataDirectoryIsTouched) {
  const fs::path config = dir_ / "bad.json";
  std::ofstream(config) << R"({"limits": {"body_bytes_max": 0}})";
  struct Case {
    std::vector<std::string> args;
    const char* env_name;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--threads", "0"}, nullptr, "codeledgerd: --threads: expected an integer 1..1024"},
      {{}, "CODELEDGER_DURABILITY", "codeledgerd: CODELEDGER_DURABILITY: expected sync, async or none"},
      {{"--config", config.string()}, nullptr,
       "codeledgerd: config " + config.string() +
           ": field 'limits.body_bytes_max': must be an integer between 1 and 1073741824"},
  };
  const fs::path data = dir_ / "untouched";
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.end(), {"--listen", "127.0.0.1:0", "--data-dir", data.string()});
    if (c.env_name != nullptr) ::setenv(c.env_name, "maybe", 1);
    Child d(dir_, args);
    if (c.env_name != nullptr) ::unsetenv(c.env_name);
    ASSERT_TRUE(d.started());
    const int status = d.wait_exit();
    EXPECT_TRUE(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 2) << status << "\n" << d.err();
    EXPECT_NE(d.err().find(c.message), std::string::npos) << d.err();
    EXPECT_FALSE(fs::exists(data)) << c.message << ": the data directory was created";
  }
}

// operations.md, "The data directory": a mistyped path is refused rather than turned into a
// new, empty ledger, with exit status 1 and the message the store gives.
TEST_F(DaemonSignals, AMistypedDataDirectoryIsRefusedWithExit1AndNothingIsCreated) {
  const fs::path missing_parent = dir_ / "nx" / "a";
  Child d(dir_, {"--listen", "127.0.0.1:0", "--data-dir", (missing_parent / "b").string()});
  ASSERT_TRUE(d.started());
  const int status = d.wait_exit();
  EXPECT_TRUE(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 1) << status << "\n" << d.err();
  EXPECT_NE(d.err().find("codeledgerd: cannot open data dir " + (missing_parent / "b").string() +
                         ": parent directory " + missing_parent.string() + " does not exist"),
            std::string::npos)
      << d.err();
  EXPECT_FALSE(fs::exists(dir_ / "nx"));
  EXPECT_EQ(d.out().find("listening"), std::string::npos) << d.out();
}

// operations.md, "Reloading keys and limits": a file that does not parse changes nothing;
// SIGHUP logs `codeledgerd: SIGHUP: ` and the reason, POST /admin/reload answers 400 with it,
// and codeledger_config_reloads_total counts both outcomes.
TEST_F(DaemonSignals, AReloadOfAFileThatDoesNotParseChangesNothingAndSaysWhy) {
  const fs::path config = dir_ / "codeledgerd.json";
  const std::string good = R"({"listen": "127.0.0.1:0", "data_dir": ")" + (dir_ / "fresh").string() +
                           R"(", "durability": {"mode": "none"}, "demo": true})";
  std::ofstream(config) << good;
  Child d(dir_, {"--config", config.string()});
  ASSERT_TRUE(d.started());
  ASSERT_TRUE(d.wait_for_output("codeledgerd listening on http://127.0.0.1:")) << d.err();
  const std::uint16_t port = listening_port(d.out());
  ASSERT_NE(port, 0) << d.out();
  std::ofstream(config, std::ios::trunc) << R"({"listen": )";
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for_output("codeledgerd: SIGHUP: config " + config.string() + ": not valid JSON", true))
      << d.err();
  codeledger::testing::HttpClient c(port);
  const codeledger::testing::Headers admin = {
      {"Authorization", codeledger::testing::basic_auth(capillary::kDemoKeyName, capillary::kDemoPassword)}};
  auto refused = c.post("/admin/reload", "", admin);
  EXPECT_EQ(refused.result_int(), 400) << refused.body();
  EXPECT_NE(refused.body().find("not valid JSON"), std::string::npos) << refused.body();
  EXPECT_EQ(count(d.err(), "keys and limits reloaded"), 0u) << d.err();
  std::ofstream(config, std::ios::trunc) << good;
  auto reloaded = c.post("/admin/reload", "", admin);  // the same key still authenticates
  EXPECT_EQ(reloaded.result_int(), 200) << reloaded.body();
  const std::string metrics = c.get("/metrics").body();
  EXPECT_NE(metrics.find("codeledger_config_reloads_total{result=\"error\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("codeledger_config_reloads_total{result=\"ok\"} 1"), std::string::npos) << metrics;
  d.signal(SIGTERM);
  EXPECT_TRUE(exited_cleanly(d.wait_exit())) << d.err();
}

// api.md: "POST /admin/snapshot — scope admin". The endpoint lives in codeledgerd's main, so
// only the real binary has it.
TEST_F(DaemonSignals, ASnapshotNeedsTheAdminScope) {
  const std::string salt = "00112233445566778899aabbccddeeff";
  std::string salt_bytes;
  ASSERT_TRUE(from_hex(salt, salt_bytes));
  const fs::path config = dir_ / "codeledgerd.json";
  std::ofstream(config) << R"({"listen": "127.0.0.1:0", "data_dir": ")" << (dir_ / "fresh").string()
                        << R"(", "durability": {"mode": "none"}, "demo": true, "organisations": [{"org_id": 100737}], "api_keys": [{"name": "rw",
      "org_id": 100737, "scopes": ["read", "write"], "salt": ")" << salt << R"(", "secret_sha256": ")"
                        << salted_secret_hash(salt_bytes, md5_hex("rw-secret")) << R"("}]})";
  Child d(dir_, {"--config", config.string()});
  ASSERT_TRUE(d.started());
  ASSERT_TRUE(d.wait_for_output("codeledgerd listening on http://127.0.0.1:")) << d.err();
  codeledger::testing::HttpClient c(listening_port(d.out()));
  auto refused = c.post("/admin/snapshot", "", {{"Authorization", codeledger::testing::basic_auth("rw", "rw-secret")}});
  EXPECT_EQ(refused.result_int(), 403) << refused.body();
  EXPECT_NE(refused.body().find("lacks the admin scope"), std::string::npos) << refused.body();
  auto taken = c.post("/admin/snapshot", "",
                      {{"Authorization", codeledger::testing::basic_auth(capillary::kDemoKeyName, capillary::kDemoPassword)}});
  EXPECT_EQ(taken.result_int(), 202) << taken.body();
  d.signal(SIGTERM);
  EXPECT_TRUE(exited_cleanly(d.wait_exit())) << d.err();
}

// A port another process listens on is found before recovery: nothing is created, seeded
// or recovered in a new data directory, and the message names the port.
TEST_F(DaemonSignals, APortInUseIsRefusedBeforeTheDataDirectoryIsTouched) {
  Child first(dir_, demo_args());
  ASSERT_TRUE(first.started());
  ASSERT_TRUE(first.wait_for_output("codeledgerd listening on http://127.0.0.1:")) << first.err();
  const std::string out = first.out();
  const auto at = out.find("http://127.0.0.1:") + std::string("http://").size();
  const std::string address = out.substr(at, out.find_first_of(" \n", at) - at);
  const fs::path second_dir = dir_ / "second";
  fs::create_directories(second_dir);
  Child second(second_dir, {"--listen", address, "--data-dir", (second_dir / "data").string()});
  ASSERT_TRUE(second.started());
  const int status = second.wait_exit();
  EXPECT_TRUE(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  EXPECT_NE(second.err().find("cannot listen on " + address + ": Address already in use"),
            std::string::npos)
      << second.err();
  EXPECT_FALSE(fs::exists(second_dir / "data")) << "the data directory was created";
  first.signal(SIGTERM);
  EXPECT_TRUE(exited_cleanly(first.wait_exit())) << first.err();
}

// Results on stderr, as documented; a changed field a reload does not apply is named.
TEST_F(DaemonSignals, SighupReportsOnStderrAndNamesFieldsThatNeedARestart) {
  const fs::path config = dir_ / "codeledgerd.json";
  const auto write_config = [&](const char* listen, const char* mode) {
    std::ofstream(config) << R"({"listen": ")" << listen << R"(", "data_dir": ")"
                          << (dir_ / "fresh").string() << R"(", "durability": {"mode": ")"
                          << mode << R"("}, "organisations": [{"org_id": 1}]})";
  };
  write_config("127.0.0.1:0", "none");
  Child d(dir_, {"--config", config.string()});
  ASSERT_TRUE(d.started());
  ASSERT_TRUE(d.wait_for_output("codeledgerd listening on http://127.0.0.1:")) << d.err();
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for_output("codeledgerd: SIGHUP: keys and limits reloaded", true)) << d.err();
  EXPECT_EQ(d.err().find("not applied until a restart"), std::string::npos) << d.err();
  write_config("127.0.0.1:1", "sync");
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for_output("reloaded\ncodeledgerd: reload: not applied until a restart: "
                                "listen, durability.mode\ncodeledgerd: SIGHUP: keys and limits reloaded\n",
                                true)) << d.err();
  EXPECT_EQ(d.out().find("SIGHUP"), std::string::npos) << d.out();
  // A reload refused whole (a key of an organisation the server was not started with)
  // changes nothing: it is logged as refused, and no field is named as "not applied until a
  // restart", as if the rest had been (second probe, session 39).
  const std::size_t before = d.err().size();
  std::ofstream(config) << R"({"listen": "127.0.0.1:2", "data_dir": ")" << (dir_ / "fresh").string()
                        << R"(", "organisations": [{"org_id": 1}, {"org_id": 2}], "api_keys": [{"name": "k2", "org_id": 2, )"
                        << R"("salt": "00112233445566778899aabbccddeeff", "secret_sha256": ")"
                        << std::string(64, 'a') << R"("}]})";
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for_output("codeledgerd: SIGHUP: reload: api_keys[0] ('k2') names organisation 2", true))
      << d.err();
  EXPECT_EQ(d.err().find("not applied until a restart", before), std::string::npos) << d.err();
  d.signal(SIGTERM);
  EXPECT_TRUE(exited_cleanly(d.wait_exit())) << d.err();
}

}  // namespace
}  // namespace codeledger::server
