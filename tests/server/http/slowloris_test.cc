// A slowloris run with slowhttptest against a TestServer on 127.0.0.1: hundreds of
// connections dripping header bytes, while an ordinary client keeps being served quickly.
// `./dev test` installs slowhttptest, so under CI (CI set, as .ci/run's callers do) a missing
// tool fails the test; a developer's run without it is skipped with a message instead.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "tests/support/test_server.h"

namespace codeledger::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kSlowConnections = 400;
constexpr int kRunSeconds = 8;

bool have_slowhttptest() { return std::system("command -v slowhttptest >/dev/null 2>&1") == 0; }

TEST(Slowloris, SlowhttptestRunLeavesOrdinaryClientsServed) {
  if (!have_slowhttptest()) {
    if (std::getenv("CI") != nullptr) FAIL() << "slowhttptest is not installed, and ./dev test installs it";
    GTEST_SKIP() << "slowhttptest is not installed (apt-get install -y slowhttptest)";
  }
  TestServer::Options options;
  options.tweak = [](server::Config& c) {
    c.limits.read_timeout_ms = 2'000;  // a dripping head is cut after this long
    c.limits.idle_timeout_ms = 2'000;
  };
  TestServer srv({}, options);
  const std::string log = ::testing::TempDir() + "slowloris-" + std::to_string(srv.port()) + ".log";
  // -H slowloris (unfinished heads), -i seconds between drips, -r connections per second,
  // -x bytes per drip, -p probe timeout, -l run length.
  const std::string cmd = "slowhttptest -H -c " + std::to_string(kSlowConnections) +
                          " -i 1 -r 200 -x 24 -p 2 -l " + std::to_string(kRunSeconds) +
                          " -u http://127.0.0.1:" + std::to_string(srv.port()) + "/healthz > " + log +
                          " 2>&1";
  auto attack = std::async(std::launch::async, [&] { return std::system(cmd.c_str()); });

  int served = 0, slow = 0;
  std::chrono::milliseconds worst{0};
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(kRunSeconds);
  std::this_thread::sleep_for(1s);  // let the slow connections pile up first
  while (std::chrono::steady_clock::now() < end) {
    const auto start = std::chrono::steady_clock::now();
    HttpClient c = srv.client(3s);
    auto r = c.get("/healthz");
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    worst = std::max(worst, took);
    ASSERT_EQ(r.result_int(), 200) << "ordinary client refused during the attack: " << r.body();
    ++served;
    if (took > 500ms) ++slow;
    std::this_thread::sleep_for(100ms);
  }
  const int rc = attack.get();
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  std::cout << "[ slowloris ] " << served << " ordinary requests served during the run, worst "
            << worst.count() << " ms, " << slow << " over 500 ms; slowhttptest exit " << rc << "\n";
  EXPECT_GE(served, 30);
  EXPECT_LE(slow, served / 10) << text.str();
  // slowhttptest's own verdict from its probe connection.
  EXPECT_EQ(text.str().find("service available:   NO"), std::string::npos) << text.str();
  std::remove(log.c_str());
}

}  // namespace
}  // namespace codeledger::testing
