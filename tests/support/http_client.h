// A small synchronous HTTP/1.1 client for tests, over Beast. Every operation has a deadline
// (it runs Beast's async operations on a private io_context), so a server bug shows up as
// a failed expectation, never as a hung test. Talks to 127.0.0.1 only.
//
//   codeledger::testing::HttpClient c(port);
//   auto r = c.post("/api_gateway/v1/promotions/code/link", R"({...})",
//                   {{"Authorization", basic_auth("alice-rw", "alice-secret")}});
//   EXPECT_EQ(r.result_int(), 200);
//
// The Beast stream and its operations live in http_client.cc (codeledger_test_support),
// compiled once: inline here, they made every socket test unit about 3 MB of instantiated
// Beast and Asio code, and 64-101 s of compile under the sanitizers.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http/crypto.h"

namespace codeledger::testing {

namespace beast = boost::beast;
namespace http = beast::http;
using Headers = std::vector<std::pair<std::string, std::string>>;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// "Basic base64(key:md5hex(password))", as Capillary clients send it.
inline std::string basic_auth(std::string_view key, std::string_view password) {
  return server::capillary_basic_header(key, password);
}

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

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
                       const Headers& headers = {});

  HttpRequest make_request(http::verb verb, std::string target, std::string body,
                           const Headers& headers) const;
  bool send(const HttpRequest& req);
  // Bytes exactly as given: pipelined batches, malformed heads, slow drips.
  bool send_raw(std::string_view bytes);
  std::optional<HttpResponse> read_response();

  // True when the server closes the connection within the timeout (EOF or reset), after
  // any bytes it still sends.
  bool closed_by_peer();

  bool is_open() const;
  beast::error_code last_error() const { return last_error_; }
  // Bytes already read past the last response (pipelined answers).
  std::size_t buffered() const;

 private:
  struct Connection;  // io_context, stream, read buffer
  template <class Start>
  bool run(Start&& start);

  std::unique_ptr<Connection> conn_;
  std::chrono::milliseconds timeout_;
  Headers defaults_;
  beast::error_code last_error_;
};

}  // namespace codeledger::testing
