// The load generator's timing against a server that answers every request after a fixed
// delay: in the open loop a request's latency runs from its slot in the schedule, so a
// slow server shows up in the requests queued behind it (no coordinated omission); the
// report splits that into the time in flight and the send lag.
#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "bench/load/runner.h"

namespace codeledger::bench {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

constexpr std::string_view kAnswer =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
    "{\"data\":{}}";

// One connection, served in order: read a request head (GETs only), wait, answer.
class SlowServer {
 public:
  explicit SlowServer(milliseconds delay)
      : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)), delay_(delay) {
    thread_ = std::thread([this] { serve(); });
  }
  ~SlowServer() {
    if (!accepted_.load()) {  // nothing connected: wake the blocking accept
      net::io_context ioc;
      tcp::socket poke(ioc);
      boost::system::error_code ignored;
      poke.connect(acceptor_.local_endpoint(), ignored);
    }
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void serve() {
    boost::system::error_code ec;
    tcp::socket s(ioc_);
    acceptor_.accept(s, ec);
    accepted_.store(true);
    std::string in;
    while (!ec) {
      const std::size_t head = net::read_until(s, net::dynamic_buffer(in), "\r\n\r\n", ec);
      if (ec) break;
      in.erase(0, head);
      std::this_thread::sleep_for(delay_);
      net::write(s, net::buffer(kAnswer), ec);
    }
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  milliseconds delay_;
  std::atomic<bool> accepted_{false};
  std::thread thread_;
};

Report run_lookups(std::uint16_t port, double rate_rps, double duration_s, bool progress = false,
                   bool spin = false) {
  Options o;
  o.address = "127.0.0.1";
  o.port = port;
  o.scenario = Scenario::kLookup;
  o.connections = 1;
  o.threads = 1;
  o.duration_s = duration_s;
  o.rate_rps = rate_rps;
  o.progress = progress;
  o.spin = spin;
  Plan plan;
  plan.scenario = Scenario::kLookup;
  plan.codes = {"CODE1"};
  plan.host_header = "127.0.0.1:" + std::to_string(port);
  plan.authorization = "Basic eDp5";
  Report r;
  fill_report(run_load(o, plan), r);
  return r;
}

// A slot every 5 ms on the one connection; each answer takes 20 ms.
void expect_a_slow_server_delays_the_requests_behind_it(bool spin) {
  SlowServer server(milliseconds(20));
  const Report r = run_lookups(server.port(), 200, 1.0, false, spin);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_GE(r.requests, 10u);
  EXPECT_LE(r.requests, 60u);  // one at a time, 20 ms each, for about a second
  EXPECT_GE(r.in_flight.p50_us, 19'000);
  // Each request waited for the ones before it: by mid-run, hundreds of milliseconds.
  EXPECT_GE(r.send_lag.p50_us, 100'000);
  // The slowest send still had its own 20 ms in flight on top (1.6 % histogram buckets).
  EXPECT_GE(r.latency.max_us, r.send_lag.max_us + 19'000);
  EXPECT_GE(r.latency.p50_us, 5 * r.in_flight.p50_us);
}

TEST(OpenLoop, LatencyRunsFromTheScheduleSoASlowServerDelaysTheRequestsBehindIt) {
  expect_a_slow_server_delays_the_requests_behind_it(false);
}

// --spin keeps the schedule in the client thread's own loop (bench/load/pacer.h), with the
// same accounting.
TEST(OpenLoopSpin, LatencyRunsFromTheScheduleSoASlowServerDelaysTheRequestsBehindIt) {
  expect_a_slow_server_delays_the_requests_behind_it(true);
}

// Against a prompt server every send waits in the pacer for its slot and leaves on it: the
// run makes its rate, not more, and the busy share counts the sends and answers, not the
// spinning in between.
TEST(OpenLoopSpin, SendsLandOnTheirSlotsAndTheSpinningIsNotCountedAsBusy) {
  SlowServer server(milliseconds(0));
  const Report r = run_lookups(server.port(), 500, 1.0, false, true);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_GE(r.requests, 450u);
  EXPECT_LE(r.requests, 510u);
  EXPECT_LT(r.send_lag.p50_us, 500);
  EXPECT_LT(r.client_cpu_pct, 50.0);
}

TEST(ClosedLoop, SendsAtOnceSoTheLatencyIsTheTimeInFlight) {
  SlowServer server(milliseconds(5));
  const Report r = run_lookups(server.port(), 0, 0.3);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_GE(r.requests, 5u);
  EXPECT_GE(r.in_flight.p50_us, 4'900);
  EXPECT_LT(r.send_lag.max_us, 5'000);
  EXPECT_GE(r.latency.p50_us, r.in_flight.p50_us);
  EXPECT_LT(r.latency.p50_us, r.in_flight.p50_us + 5'000);
}

// The progress line of each second carries that second's p99, which the client thread
// publishes itself: answers take 5 ms here, so the first second's p99 is at least that.
TEST(ProgressLine, EachSecondShowsItsP99) {
  SlowServer server(milliseconds(5));
  ::testing::internal::CaptureStderr();
  const Report r = run_lookups(server.port(), 0, 2.3, true);
  const std::string progress = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(r.errors, 0u);
  const auto first = progress.find("[   1s]");
  ASSERT_NE(first, std::string::npos) << progress;
  const std::string line = progress.substr(first, progress.find('\n', first) - first);
  const auto at = line.find("errors 0  p99 ");
  ASSERT_NE(at, std::string::npos) << line;
  const double p99_ms = std::stod(line.substr(at + 14));
  EXPECT_GE(p99_ms, 5.0) << line;
  EXPECT_LT(p99_ms, 1000.0) << line;
  EXPECT_EQ(line.substr(line.size() - 3), " ms") << line;
  EXPECT_NE(progress.find("[   2s]"), std::string::npos) << progress;
}

// The client's CPU figure is CPU time, not time spent waiting: a client that waits 20 ms
// for every answer is nearly idle, one whose server answers at once is busy.
TEST(ClientCpu, AClientWaitingOnASlowServerIsNearlyIdleAndABusyOneIsNot) {
  SlowServer slow(milliseconds(20));
  const Report waiting = run_lookups(slow.port(), 0, 0.5);
  SlowServer prompt(milliseconds(0));
  const Report busy = run_lookups(prompt.port(), 0, 0.5);
  ASSERT_EQ(waiting.errors + busy.errors, 0u);
  EXPECT_GT(waiting.client_cpu_pct, 0.0);
  EXPECT_LT(waiting.client_cpu_pct, 10.0);
  EXPECT_GT(busy.client_cpu_pct, 5 * waiting.client_cpu_pct);
  EXPECT_LT(busy.client_cpu_pct, 150.0);  // one thread, its drain included
}

}  // namespace
}  // namespace codeledger::bench
