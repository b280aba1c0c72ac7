#include "tests/support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace codeledger::testing {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpClient::Connection {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : conn_(std::make_unique<Connection>()), timeout_(timeout) {
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
  run([&](auto done) {
    conn_->stream.async_connect(ep, [done](beast::error_code ec) mutable { done(ec, 0); });
  });
}

HttpClient::~HttpClient() = default;

// Runs one async operation to completion or to the deadline.
template <class Start>
bool HttpClient::run(Start&& start) {
  bool finished = false;
  last_error_ = {};
  conn_->stream.expires_after(timeout_);
  start([this, &finished](beast::error_code ec, std::size_t) {
    last_error_ = ec;
    finished = true;
  });
  conn_->ioc.restart();
  while (!finished && conn_->ioc.run_one() != 0) {
  }
  return finished && !last_error_;
}

HttpResponse HttpClient::request(http::verb verb, std::string target, std::string body,
                                 const Headers& headers) {
  send(make_request(verb, std::move(target), std::move(body), headers));
  auto r = read_response();
  if (!r) {
    HttpResponse failed;
    failed.result(0u);
    failed.body() = last_error_.message();
    return failed;
  }
  return std::move(*r);
}

HttpRequest HttpClient::make_request(http::verb verb, std::string target, std::string body,
                                     const Headers& headers) const {
  HttpRequest req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [n, v] : defaults_) req.set(n, v);
  for (const auto& [n, v] : headers) req.set(n, v);
  if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
    if (req[http::field::content_type].empty()) req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
  }
  return req;
}

bool HttpClient::send(const HttpRequest& req) {
  return run([&](auto done) { http::async_write(conn_->stream, req, done); });
}

bool HttpClient::send_raw(std::string_view bytes) {
  return run([&](auto done) {
    net::async_write(conn_->stream, net::buffer(bytes.data(), bytes.size()), done);
  });
}

std::optional<HttpResponse> HttpClient::read_response() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  if (!run([&](auto done) { http::async_read(conn_->stream, conn_->buffer, parser, done); })) {
    return std::nullopt;
  }
  return parser.release();
}

bool HttpClient::closed_by_peer() {
  char scratch[4096];
  while (true) {
    const bool ok =
        run([&](auto done) { conn_->stream.async_read_some(net::buffer(scratch), done); });
    if (!ok) {
      return last_error_ == net::error::eof || last_error_ == net::error::connection_reset ||
             last_error_ == net::error::broken_pipe;
    }
  }
}

bool HttpClient::is_open() const { return conn_->stream.socket().is_open(); }

std::size_t HttpClient::buffered() const { return conn_->buffer.size(); }

}  // namespace codeledger::testing
