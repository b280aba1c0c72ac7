// One HTTP/1.1 connection, in Beast's advanced-server shape: do_read -> on_read -> (handler,
// durability wait) -> do_write -> on_write -> do_read. One request at a time: the next
// request is read only after the previous response is written, so pipelined requests wait
// in the connection's buffer, bounded by its size and by pipeline_depth_max.
//
// Reading is two-phase so each timeout means one thing: the head is collected with
// async_read_some (idle_timeout_ms while nothing of a request has arrived, then a deadline of
// read_timeout_ms from its first byte), screened for smuggling shapes, and only then handed
// to Beast's parser: what is already buffered is parsed at once (usually the whole request),
// and async_read fetches any rest of the body under the same deadline.
//
// Deadlines are a time in the session, not a timer: the worker's housekeeping tick
// (server.cc) closes every session past its deadline, so a timeout fires up to one tick
// late (housekeeping_period). A timer per operation, as beast::tcp_stream arms, cost each
// request a timer-queue insert, a cancel and the cancelled wait's completion: callgrind,
// about 5,400 instructions a request (docs/benchmarks-history.md, session 23).
//
// Thread ownership: a session lives on its worker's single-threaded io_context; every member
// is touched only from that thread (durability completions are posted back to it).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory_resource>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "server/http/config.h"
#include "server/http/dispatcher.h"
#include "server/http/durable_queue.h"
#include "server/http/gates.h"
#include "server/http/handler_memory.h"
#include "server/http/metrics.h"
#include "server/http/rate_limit.h"
#include "server/http/request_parser.h"

namespace codeledger::server {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

// "Sun, 06 Nov 1994 08:49:37 GMT", refreshed once a second by its worker's timer.
class DateCache {
 public:
  DateCache() { refresh(); }
  void refresh();
  std::string_view view() const { return {text_, kLength}; }

 private:
  static constexpr std::size_t kLength = 29;
  char text_[kLength + 1] = {};
};

class Session;
class BackgroundLane;  // background_lane.h

// Shared by every session of a server. Constant after start except the atomics.
struct ServerState {
  HttpLimits limits;
  const Dispatcher* dispatcher = nullptr;
  BackgroundLane* background = nullptr;  // null: every handler runs on its io thread
  DurabilityGate* gate = nullptr;
  HttpMetrics* metrics = nullptr;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> accept_errors{0};  // accept() failed: out of descriptors or memory
  // Access log: a request is logged when a random 32-bit draw is below this (0 = off).
  std::atomic<std::uint64_t> access_log_threshold{0};
  std::atomic<bool> stopping{false};
};

// Per io thread: its sessions (for graceful stop and timeouts), its Date header, and its
// responses waiting for durability.
struct WorkerState {
  DateCache date;
  DurableQueue durable;
  std::mutex mu;
  std::unordered_set<Session*> sessions;  // guarded by mu

  // On the io thread: closes each session past its deadline (Session::time_out_if_due).
  void time_out_sessions(std::chrono::steady_clock::time_point now);
};

// How often a worker's housekeeping tick runs (the Date header, session deadlines): an
// eighth of the shorter timeout, within 5 ms..1 s. With the defaults (read 10 s, idle 60 s)
// once a second, as the Date header needs anyway; a timeout fires up to this much late.
std::chrono::milliseconds housekeeping_period(const HttpLimits& limits);

class Session : public std::enable_shared_from_this<Session> {
 public:
  // The caller has already counted this connection in state.connections.
  Session(tcp::socket&& socket, ServerState& state, WorkerState& worker);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void run();
  // Graceful stop: an idle connection closes now, a busy one after its response.
  void shutdown();
  // From the worker's DurableQueue: the state the held answer shows is durable, or (false)
  // the log failed first.
  void resume(bool durable);
  // From the worker's housekeeping tick, on this session's io thread: closes the connection
  // if the current read, write or linger is past its deadline.
  void time_out_if_due(std::chrono::steady_clock::time_point now);

 private:
  enum class Phase : std::uint8_t { kReading, kHandling, kWriting, kClosing };
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

  void do_read();
  void read_head();
  void skip_leading_empty_lines();
  void on_read_some(beast::error_code ec, std::size_t bytes);
  void on_head(std::size_t head_bytes);
  bool parse_buffered(beast::error_code& ec);
  bool wants_continue() const;
  void send_continue();
  void on_continue_sent(beast::error_code ec, std::size_t bytes);
  void read_body();
  void on_read(beast::error_code ec, std::size_t bytes);
  void handle_in_background(RequestInfo info);
  void finish_handling(std::size_t route);
  void on_handled();
  void reply_not_durable();
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void fail_and_close(http::status status, std::string_view path, std::string_view message);
  void do_close();
  void on_drain(beast::error_code ec, std::size_t bytes);
  void close();  // the socket: any pending operation completes with an error
  void account(std::size_t bytes_written);

  tcp::socket socket_;
  Clock::time_point deadline_ = kNoDeadline;  // of the pending read, write or linger
  beast::flat_buffer buffer_;
  // The current request's target and kept fields (request_parser.h); a longer head than
  // this spills to the heap until the next request.
  static constexpr std::size_t kArenaBytes = 512;
  alignas(std::max_align_t) std::array<std::byte, kArenaBytes> arena_bytes_;
  std::pmr::monotonic_buffer_resource arena_{arena_bytes_.data(), arena_bytes_.size(),
                                             std::pmr::new_delete_resource()};
  std::optional<RequestParser> parser_;  // after arena_, which must outlive it
  Reply reply_;
  std::string head_;  // the answer's status line and headers (response_head.h), reused
  ServerState& state_;
  WorkerState& worker_;
  Phase phase_ = Phase::kReading;
  bool keep_alive_ = true;
  bool head_started_ = false;          // some byte of the current request has arrived
  bool answering_head_ = false;        // the request is a HEAD: its answer carries no body
  std::size_t empty_lines_skipped_ = 0;  // before the current request line (head_screen.h)
  std::size_t head_scanned_ = 0;       // bytes of buffer_ already searched for the head's end
  std::size_t pipelined_ = 0;          // requests answered back to back from buffered bytes
  std::size_t drained_bytes_ = 0;
  Clock::time_point request_deadline_{};
  // Metrics and access log of the request being answered.
  ClientAddress client_{};
  AddressSlot client_slot_{};  // client_'s in the limit of failed authentication
  AuthMemo auth_memo_;  // this connection's last accepted Basic credentials
  std::size_t route_ = 0;
  Clock::time_point read_done_{};
  // The request's read and the answer's write, each one at a time (handler_memory.h).
  HandlerMemory read_memory_;
  HandlerMemory write_memory_;
};

}  // namespace codeledger::server
