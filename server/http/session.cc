#include "server/http/session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <ctime>

#include "server/http/access_log.h"
#include "server/http/answer_body.h"
#include "server/http/background_lane.h"
#include "server/http/errors.h"
#include "server/http/head_screen.h"
#include "server/http/response_head.h"

namespace codeledger::server {
namespace {

// After an error answer we stop reading requests but keep draining what the client still
// sends for a moment: closing a socket with unread input makes the kernel send RST, which
// can destroy our answer before the client reads it.
constexpr auto kLingerTimeout = std::chrono::milliseconds(500);
constexpr std::size_t kLingerBytesMax = 1 << 20;
constexpr std::size_t kReadChunkBytes = 16 << 10;
constexpr std::size_t kRecycledBodyBytesMax = 16 << 10;  // kept for the next request

// The path of "METHOD SP target SP version", for choosing the error envelope.
std::string_view path_of_head(std::string_view head) {
  const auto sp1 = head.find(' ');
  if (sp1 == std::string_view::npos) return {};
  const auto sp2 = head.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return {};
  const std::string_view target = head.substr(sp1 + 1, sp2 - sp1 - 1);
  return split_target(absolute_form_rest(target).value_or(target)).path;
}

// Method names are case-sensitive (RFC 9110 9.1), so the raw head tells a HEAD request even
// when it is refused before Beast parses it.
bool is_head_request(std::string_view head) { return head.starts_with("HEAD "); }

constexpr std::string_view kContinueAnswer = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view as_view(const beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.size()};
}

}  // namespace

void DateCache::refresh() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(text_, sizeof text_, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

void WorkerState::time_out_sessions(std::chrono::steady_clock::time_point now) {
  // Closing only cancels the session's pending operation (its handler runs later), so no
  // session leaves the set while it is walked.
  std::lock_guard lock(mu);
  for (Session* s : sessions) s->time_out_if_due(now);
}

std::chrono::milliseconds housekeeping_period(const HttpLimits& limits) {
  const std::uint32_t shorter = std::min(limits.read_timeout_ms, limits.idle_timeout_ms);
  return std::chrono::milliseconds(std::clamp<std::uint32_t>(shorter / 8, 5, 1000));
}

Session::Session(tcp::socket&& socket, ServerState& state, WorkerState& worker)
    : socket_(std::move(socket)),
      // Room for one full head plus one read chunk; pipelined input beyond waits in the kernel.
      buffer_(state.limits.header_bytes_max + kReadChunkBytes),
      state_(state),
      worker_(worker) {
  beast::error_code ec;
  const tcp::endpoint peer = socket_.remote_endpoint(ec);
  if (!ec) {
    const net::ip::address a = peer.address();
    client_ = a.is_v4() ? net::ip::make_address_v6(net::ip::v4_mapped, a.to_v4()).to_bytes()
                        : a.to_v6().to_bytes();
  }
  if (state_.dispatcher) client_slot_ = state_.dispatcher->address_slot(client_);
  std::lock_guard lock(worker_.mu);
  worker_.sessions.insert(this);
}

Session::~Session() {
  {
    std::lock_guard lock(worker_.mu);
    worker_.sessions.erase(this);
  }
  state_.connections.fetch_sub(1, std::memory_order_acq_rel);
}

void Session::run() {
  net::dispatch(socket_.get_executor(),
                beast::bind_front_handler(&Session::do_read, shared_from_this()));
}

void Session::shutdown() {
  net::post(socket_.get_executor(), [weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    // Busy sessions see state_.stopping when they answer and close afterwards.
    if (self->phase_ == Phase::kReading && !self->head_started_) self->close();
  });
}

void Session::do_read() {
  phase_ = Phase::kReading;
  if (state_.stopping.load(std::memory_order_acquire)) return do_close();
  // The last request's body storage, emptied, holds the next body: a keep-alive connection
  // does not allocate a body per request. A large one is let go, so an idle connection
  // never keeps more than kRecycledBodyBytesMax.
  std::string body_storage;
  if (parser_) body_storage = std::move(parser_->get().body());
  body_storage.clear();
  if (body_storage.capacity() > kRecycledBodyBytesMax) body_storage = std::string();
  parser_.reset();
  arena_.release();  // the last request's target and fields: the parser that held them is gone
  parser_.emplace(&arena_);
  parser_->get().body() = std::move(body_storage);
  parser_->body_limit(state_.limits.body_bytes_max);
  parser_->header_limit(static_cast<std::uint32_t>(state_.limits.header_bytes_max));
  head_scanned_ = 0;
  empty_lines_skipped_ = 0;
  answering_head_ = false;
  if (buffer_.size() > 0) {
    ++pipelined_;
    head_started_ = true;
    request_deadline_ = Clock::now() + std::chrono::milliseconds(state_.limits.read_timeout_ms);
  } else {
    pipelined_ = 0;
    head_started_ = false;
  }
  read_head();
}

void Session::read_head() {
  if (as_view(buffer_).starts_with('\r')) skip_leading_empty_lines();
  const std::string_view data = as_view(buffer_);
  if (const std::size_t end = find_head_end(data, head_scanned_); end != 0) return on_head(end);
  head_scanned_ = data.size();
  if (data.size() >= state_.limits.header_bytes_max) {
    answering_head_ = is_head_request(data);
    return fail_and_close(http::status::request_header_fields_too_large, path_of_head(data),
                          "request head exceeds header_bytes_max");
  }
  deadline_ = head_started_ ? request_deadline_
                            : Clock::now() + std::chrono::milliseconds(state_.limits.idle_timeout_ms);
  const std::size_t room = buffer_.max_size() - buffer_.size();
  socket_.async_read_some(buffer_.prepare(std::min(room, kReadChunkBytes)),
                          net::bind_allocator(HandlerAllocator<char>(read_memory_),
                                              beast::bind_front_handler(&Session::on_read_some, shared_from_this())));
}

// Drops the CRLFs (within the bound) that open the buffer; the screen refuses any beyond it.
// When nothing else has come, the connection is idle again, as it was before them.
void Session::skip_leading_empty_lines() {
  const std::size_t lines =
      leading_empty_lines(as_view(buffer_), kLeadingEmptyLinesMax - empty_lines_skipped_);
  if (lines == 0) return;
  buffer_.consume(2 * lines);
  empty_lines_skipped_ += lines;
  head_scanned_ = 0;
  if (buffer_.size() == 0) {
    head_started_ = false;
    pipelined_ = 0;
  }
}

void Session::on_read_some(beast::error_code ec, std::size_t bytes) {
  // Timeouts, resets, EOF and graceful-stop cancellation all end the connection quietly:
  // there is no request to answer.
  if (ec) return close();
  buffer_.commit(bytes);
  if (!head_started_) {
    head_started_ = true;
    request_deadline_ = Clock::now() + std::chrono::milliseconds(state_.limits.read_timeout_ms);
  }
  read_head();
}

void Session::on_head(std::size_t head_bytes) {
  const std::string_view head = as_view(buffer_).substr(0, head_bytes);
  answering_head_ = is_head_request(head);
  if (head_bytes > state_.limits.header_bytes_max) {
    return fail_and_close(http::status::request_header_fields_too_large, path_of_head(head),
                          "request head exceeds header_bytes_max");
  }
  if (const std::string_view reason = screen_request_head(head); !reason.empty()) {
    return fail_and_close(http::status::bad_request, path_of_head(head), reason);
  }
  beast::error_code ec;
  const bool parsed = parse_buffered(ec);
  if (!ec && parser_->target_had_userinfo()) {
    return fail_and_close(http::status::bad_request, parser_->get().target(),
                          "userinfo in the request target is not accepted (RFC 9110 4.2.4)");
  }
  if (!ec && parser_->expectation() == Expectation::kUnknown) {
    return fail_and_close(http::status::expectation_failed, parser_->get().target(),
                          "unsupported Expect field; only 100-continue is understood");
  }
  if (parsed) {
    // Posted, not called: the io thread tells the durability gate it is busy only once the
    // handler that woke it has returned (run_io_thread), so a request must be handled from
    // the queue, as async_read's completion was. Through the io_context's own executor when
    // it is one (always, in this server): the type-erased one allocates twice more a post.
    // The read that brought the head has freed its slot before calling us, so the post
    // takes it (handler_memory.h).
    auto handle = net::bind_allocator(HandlerAllocator<char>(read_memory_),
                                      beast::bind_front_handler(&Session::on_read, shared_from_this(), ec, 0));
    const net::any_io_executor ex = socket_.get_executor();
    if (const auto* io = ex.target<net::io_context::executor_type>()) {
      return net::post(*io, std::move(handle));
    }
    return net::post(ex, std::move(handle));
  }
  deadline_ = request_deadline_;
  if (wants_continue()) return send_continue();
  read_body();
}

void Session::read_body() {
  http::async_read(socket_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::on_read, shared_from_this()));
}

// RFC 9110 10.1.1: a client that sent "Expect: 100-continue" may hold its body until an
// interim 100 answer (curl waits a second for it). Only for HTTP/1.1 (an HTTP/1.0
// expectation MUST be ignored) and only when none of the body has come yet: a client that
// sends it anyway needs no go-ahead.
bool Session::wants_continue() const {
  return parser_->expectation() == Expectation::kContinue && parser_->get().version() >= 11 &&
         parser_->get().body().empty();
}

// Under the request's deadline, as the body read that follows.
void Session::send_continue() {
  net::async_write(socket_, net::buffer(kContinueAnswer.data(), kContinueAnswer.size()),
                   beast::bind_front_handler(&Session::on_continue_sent, shared_from_this()));
}

void Session::on_continue_sent(beast::error_code ec, std::size_t) {
  if (ec) return close();
  read_body();
}

// A request usually arrives whole in the read that brought its head: parsing it here saves
// an async_read that would find nothing to read (and its composed operations). True when
// the parser is done or failed (ec); false when the body is still on its way, for
// async_read to finish under the request's deadline.
bool Session::parse_buffered(beast::error_code& ec) {
  parser_->eager(true);
  while (!parser_->is_done() && buffer_.size() > 0) {
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) {
      ec = {};
      return false;
    }
    if (ec) return true;
    if (used == 0) return false;  // never seen; leaves the rest to async_read rather than spin
  }
  return parser_->is_done();
}

void Session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::body_limit) {
    return fail_and_close(http::status::payload_too_large, parser_->get().target(),
                          "request body exceeds body_bytes_max (" +
                              std::to_string(state_.limits.body_bytes_max) + " bytes)");
  }
  if (ec == http::error::header_limit) {
    return fail_and_close(http::status::request_header_fields_too_large, {},
                          "request head exceeds header_bytes_max");
  }
  if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return fail_and_close(http::status::bad_request, {}, "malformed HTTP request");
  }
  if (ec) return close();
  phase_ = Phase::kHandling;
  // A durability wait must not count against the client's read deadline.
  deadline_ = kNoDeadline;
  read_done_ = Clock::now();
  RequestInfo info;
  info.client_slot = client_slot_;
  info.auth_memo = &auth_memo_;
  info.may_defer = state_.background != nullptr;
  reply_ = state_.dispatcher->handle(parser_->get(), info);
  if (info.deferred) return handle_in_background(info);
  finish_handling(info.route);
}

// The io thread has authenticated the request and charged the key (info.admitted); the lane
// calls the handler. The session does nothing else meanwhile (no read or write is pending),
// so the lane's thread has the request to itself until the answer is posted back.
void Session::handle_in_background(RequestInfo info) {
  info.may_defer = false;
  info.deferred = false;
  info.auth_memo = nullptr;
  const bool queued = state_.background->try_post([self = shared_from_this(), info]() mutable {
    Reply reply = self->state_.dispatcher->handle(self->parser_->get(), info);
    net::post(self->socket_.get_executor(), [self, route = info.route, reply = std::move(reply)]() mutable {
      self->reply_ = std::move(reply);
      self->finish_handling(route);
    });
  });
  if (queued) return;
  reply_ = envelope_error(parser_->get().target(), http::status::service_unavailable,
                          "too many bulk calls in progress (limits.background_jobs_max); retry later");
  reply_.headers.emplace_back("Retry-After", "1");
  finish_handling(info.route);
}

void Session::finish_handling(std::size_t route) {
  route_ = route;
  keep_alive_ = parser_->connection_persists() && pipelined_ < state_.limits.pipeline_depth_max;
  if (reply_.await_lsn == 0) return on_handled();
  worker_.durable.park(reply_.await_lsn, shared_from_this());
}

void Session::resume(bool durable) {
  if (!durable) reply_not_durable();
  on_handled();
}

// The answer was computed from state the log failed to make durable: it must not be sent.
// A read waits on the writes it saw too, so the text names no write. The failure is sticky,
// and the text says so: a write sent after it also lands here when it saw such state, and
// "before ... was durable" alone read as if a retry might do (probe 33).
void Session::reply_not_durable() {
  reply_ = envelope_error(parser_->get().target(), http::status::service_unavailable,
                          "storage unavailable: the log failed before the state this answer "
                          "shows was durable; writes are refused until restart");
}

void Session::on_handled() {
  if (state_.stopping.load(std::memory_order_acquire)) keep_alive_ = false;
  head_.clear();
  const bool http10 = parser_->get().version() < 11;
  append_response_head(head_, reply_, worker_.date.view(), keep_alive_, http10);
  do_write();
}

void Session::do_write() {
  phase_ = Phase::kWriting;
  // A client that stops reading its answers gets the same patience as a slow sender.
  deadline_ = Clock::now() + std::chrono::milliseconds(state_.limits.read_timeout_ms);
  // An answer to HEAD has no body, but its head keeps the Content-Length of the body it
  // leaves out (RFC 9110 9.3.2), so the client reads the next answer from the right place.
  const bool has_body = status_has_body(reply_.status) && !answering_head_;
  const std::size_t body_bytes = has_body ? reply_.body.size() : 0;
  const std::array<net::const_buffer, 2> answer{net::buffer(head_),
                                                 net::buffer(reply_.body.data(), body_bytes)};
  net::async_write(socket_, answer,
                   net::bind_allocator(HandlerAllocator<char>(write_memory_),
                                       beast::bind_front_handler(&Session::on_write, shared_from_this())));
}

void Session::on_write(beast::error_code ec, std::size_t bytes) {
  account(bytes);
  recycle_answer_body(reply_.body);  // for the next answer built on this thread
  if (ec) return close();
  if (!keep_alive_) return do_close();
  do_read();
}

void Session::fail_and_close(http::status status, std::string_view path, std::string_view message) {
  read_done_ = Clock::now();
  route_ = state_.metrics ? state_.metrics->unmatched_route() : 0;
  reply_ = envelope_error(path, status, message);
  keep_alive_ = false;
  on_handled();
}

void Session::account(std::size_t bytes_written) {
  const auto latency = Clock::now() - read_done_;
  const auto latency_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count();
  const unsigned status = static_cast<unsigned>(reply_.status);
  if (state_.metrics) state_.metrics->record(route_, status, latency_ns);
  const std::uint64_t threshold = state_.access_log_threshold.load(std::memory_order_relaxed);
  if (threshold != 0 && sample_draw() < threshold) {
    write_access_log(client_, parser_->get(), status, bytes_written, latency_ns);
  }
}

void Session::do_close() {
  phase_ = Phase::kClosing;
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return close();
  buffer_.clear();
  drained_bytes_ = 0;
  deadline_ = Clock::now() + kLingerTimeout;
  socket_.async_read_some(buffer_.prepare(std::min(buffer_.max_size(), kReadChunkBytes)),
                          beast::bind_front_handler(&Session::on_drain, shared_from_this()));
}

void Session::on_drain(beast::error_code ec, std::size_t bytes) {
  drained_bytes_ += bytes;
  if (ec || drained_bytes_ > kLingerBytesMax) return close();
  socket_.async_read_some(buffer_.prepare(std::min(buffer_.max_size(), kReadChunkBytes)),
                          beast::bind_front_handler(&Session::on_drain, shared_from_this()));
}

void Session::time_out_if_due(Clock::time_point now) {
  if (now < deadline_) return;
  deadline_ = kNoDeadline;
  // A client too slow to read its answer gets a reset, not a clean end: a plain close let
  // the kernel send what it held (megabytes on loopback) and then a FIN, and the client,
  // minutes later, saw the stream end cleanly in the middle of the body (probe 34b).
  if (phase_ == Phase::kWriting) {
    beast::error_code ignored;
    socket_.set_option(net::socket_base::linger(true, 0), ignored);
  }
  close();  // the pending read or write completes with operation_aborted, and the session ends
}

void Session::close() {
  beast::error_code ignored;
  socket_.close(ignored);
}

}  // namespace codeledger::server
