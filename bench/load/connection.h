// One keep-alive client connection: send a request, read its answer, classify and time it,
// then send the next one, either at once (closed loop) or at its slot in a fixed schedule
// (open loop). Open-loop latency runs from the slot's intended send time, so a slow answer
// that delays later sends shows up in their latency too (no coordinated omission).
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "bench/load/answer_parser.h"
#include "bench/load/pacer.h"
#include "bench/load/resp.h"
#include "bench/load/stats.h"
#include "bench/load/workload.h"

namespace codeledger::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Room for a whole answer in one read. Beast's HTTP read asks the socket for
// max(512, free capacity) bytes and the parser consumes all it is given, so a buffer that
// starts empty never grows past 512: every answer longer than that (a link answer is about
// 600 bytes) took two recv calls, while the ceiling's short fixed answer took one. That
// extra syscall per request charged the load generator, which shares the machine's CPUs
// with the server, against codeledgerd only (docs/benchmarks-history.md, session 20).
inline constexpr std::size_t kHttpReadBytes = 16 * 1024;
boost::beast::flat_buffer http_read_buffer();  // empty, with kHttpReadBytes of capacity
// The same room for each read of Redis replies (resp::Inbox).
inline constexpr std::size_t kRedisReadBytes = 16 * 1024;

// Run-wide settings and stop flag, shared by every connection of every thread.
struct RunControl {
  const Options& options;
  const Plan& plan;
  tcp::endpoint endpoint;
  Clock::time_point start;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> issued{0};  // --requests: tickets taken, one a request sent
  // When a request past --requests was refused (steady-clock ticks; 0: never). The open
  // loop's schedule ends there: no slot after it is the run's.
  std::atomic<Clock::rep> capped_at_ticks{0};

  // A request past the cap was refused at `now`: the run stops, and the first refusal is
  // where the cap ended it.
  void end_at_cap(Clock::time_point now) {
    Clock::rep none = 0;
    capped_at_ticks.compare_exchange_strong(none, now.time_since_epoch().count());
    stop.store(true);
  }
  std::optional<Clock::time_point> capped_at() const {
    const Clock::rep ticks = capped_at_ticks.load();
    if (ticks == 0) return std::nullopt;
    return Clock::time_point(Clock::duration(ticks));
  }

  // The end of the measured window (start + --duration). No open-loop slot at or after it is
  // sent, even before the stop flag is seen (probe 34d: a connection asleep on its next slot
  // woke after the deadline and sent it).
  Clock::time_point deadline() const {
    return start + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(options.duration_s));
  }
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `slot_offset` and `interval` place this connection's requests in the open-loop schedule
  // (interval zero: closed loop). With a `pacer` (--spin), a slot still ahead waits in it
  // instead of on this connection's timer. With a `shared` schedule (--pool) the connection
  // owns no slots: when idle it waits there for whichever slot comes next (pacer.h).
  Connection(net::io_context& ioc, RunControl& run, ThreadStats& stats, Workload& workload,
             Clock::duration slot_offset, Clock::duration interval, Pacer* pacer = nullptr,
             SharedSchedule* shared = nullptr);

  void start();
  void close();
  // The schedule's call: the slot meant for `intended` is this connection's to send now.
  void on_slot(Clock::time_point intended);

  // After the run, its threads joined: a request still waiting for its answer when the run
  // gave up at `cutoff` is an error ("unanswered") whose latency runs to the cutoff, and the
  // open-loop slots this connection owned that were due before `slots_end` but never sent
  // are counted (a stalled server must not leave a clean run behind; probe 33).
  void account_after_run(Clock::time_point slots_end, Clock::time_point cutoff);

 private:
  void connect();
  void on_connect(boost::system::error_code ec);
  void next();
  // --requests: takes the ticket of the request about to be sent; false past the cap (the
  // run is then over).
  bool take_ticket();
  void send();
  void on_write(boost::system::error_code ec);
  void read_http();
  void read_redis();
  void finish(const Classified& result, std::string_view body);
  void fail(boost::system::error_code ec, const char* where);
  // The answer's second, for the per-second figures.
  std::size_t second_of(Clock::time_point answered) const;
  // One request that did not end as its scenario expects: an error, with a sample.
  void count_error(std::size_t second, std::string sample);

  tcp::socket socket_;
  net::steady_timer timer_;
  RunControl& run_;
  ThreadStats& stats_;
  Workload& workload_;
  Clock::duration slot_offset_, interval_;
  Pacer* pacer_;
  SharedSchedule* shared_;
  std::uint64_t slot_ = 0;
  bool slot_pending_ = false;    // own slots: slot_ - 1 is taken, waiting for its time
  bool awaiting_answer_ = false;  // a request is out (from its send to its answer or failure)
  bool reconnect_ = false;  // the last answer said Connection: close
  Clock::time_point intended_;
  Clock::time_point sent_;
  Op op_;
  std::string out_;
  boost::beast::flat_buffer buffer_ = http_read_buffer();
  std::optional<AnswerParser> parser_;
  resp::Inbox redis_in_{kRedisReadBytes};
  simdjson::ondemand::parser json_;
  std::string padded_;  // body copy with simdjson padding
};

}  // namespace codeledger::bench
