// What the listener answers a connection it does not serve, driven directly (no Server): one
// that arrives while the server stops is told so, and only one over connections_max names
// that limit. During a SIGTERM a client once got "too many connections (connections_max)"
// from a server with 4 of its 10,000 in use (probe 39, item 8): the stopping server's
// refusal shared that text.
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include <memory>
#include <thread>

#include "server/http/listener.h"
#include "tests/support/http_client.h"

namespace codeledger::server {
namespace {

using codeledger::testing::HttpClient;
using codeledger::testing::HttpResponse;

// A listener on 127.0.0.1 (ephemeral port) whose io thread runs until the fixture ends.
class ListenerRefusal : public ::testing::Test {
 protected:
  void start() {
    listener_ = std::make_shared<Listener>(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0),
                                           state_, worker_);
    listener_->run();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    if (!listener_) return;
    listener_->stop();  // the pending accept ends, and with it run()
    thread_.join();
  }
  // The answer a new connection gets before it sends anything.
  HttpResponse answer_to_a_new_connection() {
    HttpClient c(listener_->local_endpoint().port());
    auto r = c.read_response();
    EXPECT_TRUE(r);
    EXPECT_TRUE(c.closed_by_peer());
    return r ? *r : HttpResponse{};
  }

  net::io_context ioc_;
  ServerState state_;
  WorkerState worker_;
  std::shared_ptr<Listener> listener_;
  std::thread thread_;
};

TEST_F(ListenerRefusal, AConnectionWhileTheServerStopsIs503SayingItStops) {
  state_.stopping.store(true);
  start();
  const HttpResponse r = answer_to_a_new_connection();
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(r.body(),
            R"({"data":null,"errors":[{"code":503,"message":"the server is stopping: it accepts no new connections"}]})");
  EXPECT_EQ(r[http::field::retry_after], "") << "it comes back, if at all, after a restart";
  EXPECT_EQ(state_.connections.load(), 0u);
  EXPECT_EQ(state_.connections_refused.load(), 0u) << "that counter is for connections_max";
}

TEST_F(ListenerRefusal, AConnectionOverTheLimitIs503NamingTheLimit) {
  state_.limits.connections_max = 0;
  start();
  const HttpResponse r = answer_to_a_new_connection();
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(r.body(),
            R"J({"data":null,"errors":[{"code":503,"message":"too many connections (connections_max)"}]})J");
  EXPECT_EQ(r[http::field::retry_after], "1");
  EXPECT_FALSE(r[http::field::date].empty());
  EXPECT_EQ(state_.connections.load(), 0u);
  EXPECT_EQ(state_.connections_refused.load(), 1u);
}

}  // namespace
}  // namespace codeledger::server
