#include "server/http/server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

#include "server/http/listener.h"

namespace codeledger::server {

struct Server::Worker {
  WorkerState state;  // before ioc: sessions destroyed with ioc unregister from it
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> guard{ioc.get_executor()};
  net::steady_timer date_timer{ioc};
  std::shared_ptr<Listener> listener;
  std::thread thread;

  void tick_date() {
    state.date.refresh();
    date_timer.expires_after(std::chrono::seconds(1));
    date_timer.async_wait([this](beast::error_code ec) {
      if (!ec) tick_date();
    });
  }
};

Server::Server(Config config, ledger::Ledger& ledger, const std::vector<Route>& routes,
               DurabilityGate& gate, ServerHooks hooks)
    : config_(std::move(config)), hooks_(std::move(hooks)), auth_(config_, hooks_.clock) {
  Router router;
  for (const Route& r : routes) router.add(r);
  for (Endpoint& e : builtin_endpoints(auth_, hooks_.health, ready_)) router.add(std::move(e));
  for (Endpoint& e : hooks_.extra_endpoints) router.add(std::move(e));
  hooks_.extra_endpoints.clear();
  dispatcher_ = std::make_unique<Dispatcher>(ledger, auth_, std::move(router), hooks_.clock);
  state_.limits = config_.limits;
  state_.dispatcher = dispatcher_.get();
  state_.gate = &gate;
  thread_count_ = config_.threads != 0 ? config_.threads
                                       : std::max(1u, std::thread::hardware_concurrency());
}

Server::~Server() { stop(); }

std::uint16_t Server::start() {
  CL_CHECK(!started_);
  started_ = true;
  const tcp::endpoint requested(net::ip::make_address(config_.listen_host), config_.listen_port);
  tcp::endpoint bound = requested;
  for (unsigned i = 0; i < thread_count_; ++i) {
    auto w = std::make_unique<Worker>();
    // The first acceptor resolves port 0; the others join the port it got.
    w->listener = std::make_shared<Listener>(w->ioc, bound, state_, w->state);
    bound = w->listener->local_endpoint();
    workers_.push_back(std::move(w));
  }
  port_ = bound.port();
  for (auto& w : workers_) {
    w->listener->run();
    w->tick_date();
    w->thread = std::thread([ioc = &w->ioc] { ioc->run(); });
  }
  ready_.store(true, std::memory_order_release);
  return port_;
}

void Server::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  ready_.store(false, std::memory_order_release);
  state_.stopping.store(true, std::memory_order_release);
  for (auto& w : workers_) {
    w->listener->stop();
    std::lock_guard lock(w->state.mu);
    for (Session* s : w->state.sessions) s->shutdown();
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(hooks_.stop_timeout_ms);
  while (state_.connections.load() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& w : workers_) {
    net::post(w->ioc, [w = w.get()] { w->date_timer.cancel(); });
    w->guard.reset();
    // Whatever is still open after the deadline is cut off.
    if (state_.connections.load() != 0) w->ioc.stop();
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

}  // namespace codeledger::server
