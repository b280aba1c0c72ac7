// Accepts connections on one io thread. Every io thread has its own Listener with its own
// SO_REUSEPORT socket on the same port, so the kernel spreads new connections over threads
// and no accept lock or cross-thread hand-off exists.
#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/steady_timer.hpp>

#include "server/http/session.h"

namespace codeledger::server {

// Throws boost::system::system_error (address_in_use) when any socket listens on `endpoint`
// already. The Listeners' SO_REUSEPORT would let them join another process's group on that
// port, a second codeledgerd's included, and the kernel would then split the connections
// between two ledgers. This bind, without SO_REUSEPORT, fails instead. Port 0 needs no check.
void check_port_unshared(const tcp::endpoint& endpoint);

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Opens, binds and listens; throws boost::system::system_error when the port is taken.
  Listener(net::io_context& ioc, const tcp::endpoint& endpoint, ServerState& state,
           WorkerState& worker);

  void run();
  // Stops accepting (from any thread); connections already accepted carry on.
  void stop();
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  // Answers 503 and closes: the server is stopping, or (otherwise) at connections_max.
  void refuse(tcp::socket& socket, bool stopping);
  void report_accept_error(const beast::error_code& ec);

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer backoff_;  // after an accept error (EMFILE): retry later, do not spin
  std::chrono::steady_clock::time_point next_error_log_{};  // one stderr line per 10 s at most
  ServerState& state_;
  WorkerState& worker_;
};

}  // namespace codeledger::server
