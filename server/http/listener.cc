#include "server/http/listener.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include <errno.h>  // program_invocation_short_name: codeledgerd or ceiling-server
#include <sys/socket.h>

#include <cstdio>
#include <string>

#include "server/http/errors.h"
#include "server/http/response_head.h"

namespace codeledger::server {
namespace {

constexpr auto kAcceptBackoff = std::chrono::milliseconds(50);
constexpr auto kAcceptErrorLogEvery = std::chrono::seconds(10);
using reuse_port = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr std::string_view kOverCapacity = "too many connections (connections_max)";
// Not the limit's text: a connection the stopping server still accepted (before its acceptor
// closed) is refused for that, and naming connections_max sent operators after the wrong
// limit (probe 39, item 8).
constexpr std::string_view kStopping = "the server is stopping: it accepts no new connections";

// The whole answer to a connection refused at accept, written without a session. No request
// has been read, so it is in the Capillary envelope. Only a full server is worth retrying
// soon (Retry-After); a stopping one comes back, if at all, after a restart.
std::string refusal_answer(std::string_view message, bool retry_soon, std::string_view date) {
  Reply reply = envelope_error({}, http::status::service_unavailable, message);
  if (retry_soon) reply.headers.emplace_back("Retry-After", "1");
  std::string answer;
  append_response_head(answer, reply, date, /*keep_alive=*/false);
  answer += reply.body;
  return answer;
}

}  // namespace

void check_port_unshared(const tcp::endpoint& endpoint) {
  if (endpoint.port() == 0) return;
  net::io_context ioc;
  tcp::acceptor probe(ioc);
  probe.open(endpoint.protocol());
  // Only a listener conflicts: connections of an earlier run in TIME_WAIT do not.
  probe.set_option(net::socket_base::reuse_address(true));
  probe.bind(endpoint);
}

Listener::Listener(net::io_context& ioc, const tcp::endpoint& endpoint, ServerState& state,
                   WorkerState& worker)
    : ioc_(ioc), acceptor_(ioc), backoff_(ioc), state_(state), worker_(worker) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.set_option(reuse_port(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

void Listener::run() { do_accept(); }

void Listener::stop() {
  net::post(ioc_, [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor_.close(ec);
    self->backoff_.cancel();
  });
}

void Listener::do_accept() {
  acceptor_.async_accept(ioc_, beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::refuse(tcp::socket& socket, bool stopping) {
  const std::string answer = stopping ? refusal_answer(kStopping, false, worker_.date.view())
                                      : refusal_answer(kOverCapacity, true, worker_.date.view());
  // Best effort and never blocking: a refused client must not cost us a thread.
  beast::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(net::buffer(answer), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

// Counted for /metrics, and told on stderr at most once in kAcceptErrorLogEvery per io
// thread: the connections that wait meanwhile would otherwise hang with no word anywhere.
void Listener::report_accept_error(const beast::error_code& ec) {
  state_.accept_errors.fetch_add(1, std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  if (now < next_error_log_) return;
  next_error_log_ = now + kAcceptErrorLogEvery;
  std::fprintf(stderr,
               "%s: accept failed: %s; new connections wait until one closes "
               "(codeledger_http_accept_errors_total counts these; see the open-file limit in "
               "docs/operations.md)\n",
               program_invocation_short_name, ec.message().c_str());
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (!ec) {
    socket.set_option(tcp::no_delay(true), ec);
    // Count first, then check: exact under concurrent accepts on other threads.
    const std::size_t before = state_.connections.fetch_add(1, std::memory_order_acq_rel);
    const bool stopping = state_.stopping.load(std::memory_order_acquire);
    if (stopping || before >= state_.limits.connections_max) {
      state_.connections.fetch_sub(1, std::memory_order_acq_rel);
      if (!stopping) state_.connections_refused.fetch_add(1, std::memory_order_relaxed);
      refuse(socket, stopping);
    } else {
      std::make_shared<Session>(std::move(socket), state_, worker_)->run();
    }
  }
  if (!ec) return do_accept();
  // Out of descriptors or memory: the next accept would fail at once, so wait a little and
  // let closing connections free resources instead of spinning on the error.
  report_accept_error(ec);
  backoff_.expires_after(kAcceptBackoff);
  backoff_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
    if (!wait_ec && self->acceptor_.is_open()) self->do_accept();
  });
}

}  // namespace codeledger::server
