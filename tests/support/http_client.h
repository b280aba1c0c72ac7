// A small synchronous HTTP/1.1 client for tests, over Beast. Every operation has a deadline
// (it runs Beast's async operations on a private io_context), so a server bug shows up as
// a failed expectation, never as a hung test. Talks to 127.0.0.1 only.
//
//   codeledger::testing::HttpClient c(port);
//   auto r = c.post("/api_gateway/v1/promotions/code/link", R"({...})",
//                   {{"Authorization", basic_auth("alice-rw", "alice-secret")}});
//   EXPECT_EQ(r.result_int(), 200);
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http/crypto.h"

namespace codeledger::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Headers = std::vector<std::pair<std::string, std::string>>;
using HttpResponse = http::response<http::string_body>;

// "Basic base64(key:md5hex(password))", as Capillary clients send it.
inline std::string basic_auth(std::string_view key, std::string_view password) {
  return server::capillary_basic_header(key, password);
}

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : stream_(ioc_), timeout_(timeout) {
    connect(port);
  }

  // Headers added to every request (e.g. Authorization).
  void set_default_headers(Headers headers) { defaults_ = std::move(headers); }
  void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }

  HttpResponse get(std::string target, const Headers& headers = {}) {
    return request(http::verb::get, std::move(target), {}, headers);
  }
  HttpResponse post(std::string target, std::string body, const Headers& headers = {}) {
    return request(http::verb::post, std::move(target), std::move(body), headers);
  }
  // Sends one request and reads its answer; on a transport error the result is status 0
  // with the error text in the body, and last_error() says what happened.
  HttpResponse request(http::verb verb, std::string target, std::string body = {},
                       const Headers& headers = {}) {
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

  http::request<http::string_body> make_request(http::verb verb, std::string target,
                                                std::string body, const Headers& headers) const {
    http::request<http::string_body> req{verb, target, 11};
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

  bool send(const http::request<http::string_body>& req) {
    return run([&](auto done) { http::async_write(stream_, req, done); });
  }
  // Bytes exactly as given: pipelined batches, malformed heads, slow drips.
  bool send_raw(std::string_view bytes) {
    return run([&](auto done) { net::async_write(stream_, net::buffer(bytes.data(), bytes.size()), done); });
  }

  std::optional<HttpResponse> read_response() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (!run([&](auto done) { http::async_read(stream_, buffer_, parser, done); })) return std::nullopt;
    return parser.release();
  }

  // True when the server closes the connection within the timeout (EOF or reset), after
  // any bytes it still sends.
  bool closed_by_peer() {
    char scratch[4096];
    while (true) {
      const bool ok = run([&](auto done) { stream_.async_read_some(net::buffer(scratch), done); });
      if (!ok) {
        return last_error_ == net::error::eof || last_error_ == net::error::connection_reset ||
               last_error_ == net::error::broken_pipe;
      }
    }
  }

  bool is_open() const { return stream_.socket().is_open(); }
  beast::error_code last_error() const { return last_error_; }
  // Bytes already read past the last response (pipelined answers).
  std::size_t buffered() const { return buffer_.size(); }

 private:
  void connect(std::uint16_t port) {
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    run([&](auto done) {
      stream_.async_connect(ep, [done](beast::error_code ec) mutable { done(ec, 0); });
    });
  }

  // Runs one async operation to completion or to the deadline.
  template <class Start>
  bool run(Start&& start) {
    bool finished = false;
    last_error_ = {};
    stream_.expires_after(timeout_);
    start([this, &finished](beast::error_code ec, std::size_t) {
      last_error_ = ec;
      finished = true;
    });
    ioc_.restart();
    while (!finished && ioc_.run_one() != 0) {
    }
    return finished && !last_error_;
  }

  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
  Headers defaults_;
  beast::error_code last_error_;
};

}  // namespace codeledger::testing
