// HTTP/1.1 message framing over real sockets: empty lines before a request line, every
// Connection field, Expect: 100-continue, answers to HEAD and absolute-form targets. Each
// test failed before its fix (a 400, a connection left open, a client left waiting, a body
// after a HEAD answer, a 404). Uses its own test routes, not the dialect handlers.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "server/http/head_screen.h"
#include "server/http/request_parser.h"
#include "tests/support/test_routes.h"
#include "tests/support/test_server.h"

namespace codeledger::testing {
namespace {

using server::Reply;
using server::RequestContext;
using server::Route;
using server::Scope;
using namespace std::chrono_literals;

Reply echo(RequestContext& ctx) {
  Reply r;
  const std::string* q = ctx.query.find("q");
  r.body = "{\"name\":\"" + std::string(ctx.path.get("name")) + "\",\"q\":\"" + (q ? *q : "") + "\"}";
  return r;
}

std::vector<Route> framing_routes() {
  return {
      {http::verb::get, "/t/echo/{name}", &echo, Scope::kRead},
      {http::verb::post, "/t/write", &body_size_route, Scope::kWrite},
  };
}

std::string auth_line() { return "Authorization: " + TestServer::basic(kAliceRw) + "\r\n"; }

std::string get_line(std::string_view target, std::string_view extra = {}) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + auth_line() +
         std::string(extra) + "\r\n";
}

std::string post_line(std::size_t bytes, std::string_view extra = {}) {
  return "POST /t/write HTTP/1.1\r\nHost: t\r\n" + auth_line() +
         "Content-Length: " + std::to_string(bytes) + "\r\n" + std::string(extra) + "\r\n";
}

// A plain socket that reads bytes as they come: the test client's Beast parser cannot read
// an answer to HEAD (it would wait for the body its Content-Length announces).
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool send(std::string_view bytes) {
    return connected_ && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                             static_cast<ssize_t>(bytes.size());
  }
  // Everything received until `needle` has come, the peer closed, or 3 s passed.
  std::string read_until(std::string_view needle) {
    const auto give_up = std::chrono::steady_clock::now() + 3s;
    while (received_.find(needle) == std::string::npos &&
           std::chrono::steady_clock::now() < give_up) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      received_.append(chunk, static_cast<std::size_t>(n));
    }
    return received_;
  }

 private:
  int fd_;
  bool connected_ = false;
  std::string received_;
};

// ---- 1. Empty lines before the request line (RFC 9112 2.2) ----

TEST(HttpFraming, AnEmptyLineBeforeTheRequestLineIsIgnored) {
  TestServer srv(framing_routes());
  HttpClient c = srv.client();
  ASSERT_TRUE(c.send_raw("\r\n" + get_line("/t/echo/one")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200) << r->body();
  EXPECT_EQ(r->body(), R"({"name":"one","q":""})");
  EXPECT_TRUE(r->keep_alive());
  // Empty lines that come on their own, before the request they precede.
  ASSERT_TRUE(c.send_raw("\r\n\r\n"));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(c.send_raw(get_line("/t/echo/two")));
  auto second = c.read_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->result_int(), 200) << second->body();
  EXPECT_EQ(second->body(), R"({"name":"two","q":""})");
  EXPECT_EQ(srv.server().connections(), 1u);
}

// A pipelining client that ends a POST body with a stray CRLF: the next request is served.
TEST(HttpFraming, AStrayCrlfAfterAPipelinedPostBodyDoesNotBreakTheNextRequest) {
  TestServer srv(framing_routes());
  HttpClient c = srv.client();
  ASSERT_TRUE(c.send_raw(post_line(5) + "hello\r\n" + get_line("/t/echo/next") + post_line(2) +
                         "hi\r\n"));
  auto first = c.read_response();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body(), R"({"bytes":5})");
  auto second = c.read_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->result_int(), 200) << second->body();
  EXPECT_EQ(second->body(), R"({"name":"next","q":""})");
  auto third = c.read_response();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->body(), R"({"bytes":2})");
  EXPECT_TRUE(third->keep_alive());
  // The trailing CRLF leaves the connection idle, ready for the next request.
  auto fourth = c.get("/t/echo/fourth", TestServer::auth_headers(kAliceRw));
  EXPECT_EQ(fourth.result_int(), 200) << fourth.body();
}

TEST(HttpFraming, MoreEmptyLinesThanTheBoundAreRefusedNamingThem) {
  TestServer srv(framing_routes());
  HttpClient c = srv.client();
  std::string blank;
  for (std::size_t i = 0; i <= server::kLeadingEmptyLinesMax; ++i) blank += "\r\n";
  ASSERT_TRUE(c.send_raw(blank + get_line("/t/echo/x")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400);
  EXPECT_NE(r->body().find("empty line before the request line"), std::string::npos) << r->body();
  EXPECT_TRUE(c.closed_by_peer());
}

// ---- 2. Every Connection field counts (RFC 9110 7.6.1) ----

TEST(HttpFraming, ACloseInASecondConnectionFieldClosesTheConnection) {
  TestServer srv(framing_routes());
  for (const char* version : {"HTTP/1.1", "HTTP/1.0"}) {
    SCOPED_TRACE(version);
    HttpClient c = srv.client();
    ASSERT_TRUE(c.send_raw(std::string("GET /t/echo/a ") + version + "\r\nHost: t\r\n" +
                           auth_line() + "Connection: keep-alive\r\nConnection: close\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 200) << r->body();
    EXPECT_FALSE(r->keep_alive());
    EXPECT_TRUE(c.closed_by_peer());
  }
}

TEST(HttpFraming, ACloseTokenAnywhereInAConnectionListClosesTheConnection) {
  TestServer srv(framing_routes());
  HttpClient c = srv.client();
  ASSERT_TRUE(c.send_raw(get_line("/t/echo/a", "Connection: keep-alive, Close\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->keep_alive());
  EXPECT_TRUE(c.closed_by_peer());
}

// An HTTP/1.0 client takes an answer without `Connection: keep-alive` as ending at the
// close (RFC 9112 9.3, Appendix C.2.2): kept open without it, it waited for the idle timeout
// (probe 39, item 7). An HTTP/1.1 answer needs no such field.
TEST(HttpFraming, AnHttp10KeepAliveRequestIsAnsweredWithConnectionKeepAlive) {
  TestServer srv(framing_routes());
  RawConnection raw(srv.port());
  const std::string http10 = "GET /t/echo/one HTTP/1.0\r\n" + auth_line() + "Connection: keep-alive\r\n\r\n";
  ASSERT_TRUE(raw.send(http10));
  const std::string first = raw.read_until(R"({"name":"one","q":""})");
  EXPECT_NE(first.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << first;
  ASSERT_TRUE(raw.send(get_line("/t/echo/two")));
  const std::string both = raw.read_until(R"({"name":"two","q":""})");
  ASSERT_NE(both.find(R"({"name":"two","q":""})"), std::string::npos) << both;
  const std::string second = both.substr(first.size());
  EXPECT_EQ(second.find("Connection:"), std::string::npos) << second;
}

const server::HttpRequest& parse_head(server::RequestParser& p, std::string_view text) {
  p.eager(true);
  boost::beast::error_code ec;
  p.put(boost::asio::buffer(text.data(), text.size()), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(p.is_header_done());
  return p.get();
}

TEST(RequestParserFraming, ConnectionPersistsUnlessAnyConnectionFieldSaysClose) {
  struct Case {
    std::string_view head;
    bool persists;
  };
  for (const Case& c : {
           Case{"GET / HTTP/1.1\r\n\r\n", true},
           Case{"GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", true},
           Case{"GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false},
           Case{"GET / HTTP/1.1\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n", false},
           Case{"GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n", false},
           Case{"GET / HTTP/1.0\r\n\r\n", false},
           Case{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
           Case{"GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false},
           Case{"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false},
       }) {
    SCOPED_TRACE(c.head);
    server::RequestParser p;
    parse_head(p, c.head);
    EXPECT_EQ(p.connection_persists(), c.persists);
  }
}

// ---- 3. Expect: 100-continue (RFC 9110 10.1.1) ----

TEST(HttpFraming, Expect100ContinueIsAnsweredBeforeTheBodyIsRead) {
  TestServer srv(framing_routes());
  HttpClient c = srv.client(1s);  // curl's own wait: the old server made it wait every time
  ASSERT_TRUE(c.send_raw(post_line(5, "Expect: 100-continue\r\n")));
  auto interim = c.read_response();
  ASSERT_TRUE(interim) << "no 100 Continue: " << c.last_error().message();
  EXPECT_EQ(interim->result_int(), 100);
  ASSERT_TRUE(c.send_raw("hello"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200) << r->body();
  EXPECT_EQ(r->body(), R"({"bytes":5})");
  EXPECT_TRUE(r->keep_alive());
  EXPECT_EQ(c.buffered(), 0u) << "one 100, not two";
}

// No interim answer when the body is already here, for a body-less request, or for HTTP/1.0
// (whose 100-continue MUST be ignored): the first answer is the final one.
TEST(HttpFraming, NoContinueIsSentWhenTheBodyHasComeOrTheClientIsHttp10) {
  TestServer srv(framing_routes());
  HttpClient c = srv.client(1s);
  ASSERT_TRUE(c.send_raw(post_line(5, "Expect: 100-continue\r\n") + "hello"));
  auto with_body = c.read_response();
  ASSERT_TRUE(with_body);
  EXPECT_EQ(with_body->result_int(), 200);
  ASSERT_TRUE(c.send_raw(get_line("/t/echo/e", "Expect: 100-continue\r\n")));
  auto bodiless = c.read_response();
  ASSERT_TRUE(bodiless);
  EXPECT_EQ(bodiless->result_int(), 200);

  HttpClient old = srv.client(1s);
  ASSERT_TRUE(old.send_raw("POST /t/write HTTP/1.0\r\n" + auth_line() +
                           "Content-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(old.send_raw("abc"));
  auto r = old.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), R"({"bytes":3})");
}

// The length's text as the client wrote it, leading zeros and all, frames the body.
TEST(HttpFraming, AContentLengthWithLeadingZerosFramesTheBody) {
  TestServer srv(framing_routes());
  HttpClient c = srv.client();
  ASSERT_TRUE(c.send_raw("POST /t/write HTTP/1.1\r\n" + auth_line() +
                         "Content-Length: 0000000000000000003\r\n\r\nabc"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200) << r->body();
  EXPECT_EQ(r->body(), R"({"bytes":3})");
}

TEST(HttpFraming, AnUnknownExpectationIs417AndCloses) {
  TestServer srv(framing_routes());
  for (std::string_view expect : {"Expect: 200-ok\r\n", "Expect: 100-continue, x\r\n",
                                  "Expect: 100-continue\r\nExpect: teapot\r\n"}) {
    SCOPED_TRACE(expect);
    HttpClient c = srv.client();
    ASSERT_TRUE(c.send_raw(post_line(5, expect)));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 417) << r->body();
    EXPECT_NE(r->body().find(R"("errors":[{"code":417)"), std::string::npos) << r->body();
    EXPECT_FALSE(r->keep_alive());
    EXPECT_TRUE(c.closed_by_peer());
  }
}

// ---- 4. An answer to HEAD has no body (RFC 9110 9.3.2) ----

// The HEAD answer keeps the Content-Length a GET would get; no body follows it, so the
// pipelined GET behind it is read from the right place.
TEST(HttpFraming, AnAnswerToHeadCarriesNoBodyAndTheConnectionStaysInStep) {
  TestServer srv(framing_routes());
  for (std::string_view target : {"/t/echo/h", "/no/such/path"}) {
    SCOPED_TRACE(target);
    RawConnection raw(srv.port());
    const std::string head_request = "HEAD " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" +
                                     auth_line() + "\r\n";
    ASSERT_TRUE(raw.send(head_request + get_line("/t/echo/after")));
    const std::string got = raw.read_until("\"after\"");
    const std::size_t first_end = got.find("\r\n\r\n");
    ASSERT_NE(first_end, std::string::npos) << got;
    const std::string first_head = got.substr(0, first_end);
    // HEAD is served by the path's GET endpoint; a path without one answers as for any method.
    EXPECT_EQ(first_head.substr(0, 12), target == "/t/echo/h" ? "HTTP/1.1 200" : "HTTP/1.1 404") << first_head;
    EXPECT_NE(first_head.find("Content-Length: "), std::string::npos) << first_head;
    EXPECT_EQ(first_head.find("Content-Length: 0\r\n"), std::string::npos) << first_head;
    EXPECT_EQ(got.substr(first_end + 4, 15), "HTTP/1.1 200 OK") << "a body followed the HEAD answer:\n"
                                                                 << got;
    EXPECT_NE(got.find(R"({"name":"after","q":""})"), std::string::npos) << got;
  }
}

// ---- 5. Absolute-form targets (RFC 9112 3.2.2) ----

TEST(HttpFraming, AnAbsoluteFormTargetIsServedAsItsPathAndQuery) {
  TestServer srv(framing_routes());
  HttpClient c = srv.client();
  const std::string port = std::to_string(srv.port());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://127.0.0.1:" + port + "/t/echo/abs?q=v", R"({"name":"abs","q":"v"})"},
      {"HTTPS://example.com/t/echo/tls", R"({"name":"tls","q":""})"},
  };
  for (const auto& [target, body] : cases) {
    SCOPED_TRACE(target);
    ASSERT_TRUE(c.send_raw(get_line(target)));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 200) << r->body();
    EXPECT_EQ(r->body(), body);
  }
}

// RFC 9110 4.2.4: userinfo in an http(s) target is to be treated as an error (it was served,
// probe 39, item 11): 400 naming it, and the connection closed like every refused head.
TEST(HttpFraming, AnAbsoluteFormTargetWithUserinfoIs400) {
  TestServer srv(framing_routes());
  for (std::string_view target : {"http://u:p@h/t/echo/u", "https://user@h:8080/t/echo/u?q=1",
                                  "http://u@h?q=1", "HTTP://@h/t/echo/u"}) {
    SCOPED_TRACE(target);
    HttpClient c = srv.client();
    ASSERT_TRUE(c.send_raw(get_line(target)));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 400) << r->body();
    EXPECT_NE(r->body().find("userinfo in the request target"), std::string::npos) << r->body();
    EXPECT_TRUE(c.closed_by_peer());
  }
  HttpClient c = srv.client();  // an '@' after the authority is the path's or the query's
  ASSERT_TRUE(c.send_raw(get_line("http://h/t/echo/a@b?q=c@d")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200) << r->body();
  EXPECT_EQ(r->body(), R"({"name":"a@b","q":"c@d"})");
}

TEST(RequestParserFraming, AnAbsoluteFormTargetIsReducedToOriginForm) {
  struct Case {
    std::string_view target;
    std::string_view origin;
  };
  for (const Case& c : {
           Case{"http://h:8080/a/b?c=d", "/a/b?c=d"},
           Case{"https://h/a", "/a"},
           Case{"Http://h", "/"},
           Case{"http://h?q=1", "/?q=1"},
           Case{"/plain?x=1", "/plain?x=1"},
           Case{"ftp://h/a", "ftp://h/a"},  // not ours to reduce: routed as it came, to a 404
           Case{"*", "*"},
       }) {
    SCOPED_TRACE(c.target);
    server::RequestParser p;
    const std::string head = "GET " + std::string(c.target) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    const server::HttpRequest& req = parse_head(p, head);
    EXPECT_EQ(req.target(), c.origin);
    EXPECT_EQ(req.method(), http::verb::get);
    EXPECT_EQ(req.version(), 11);
  }
  server::RequestParser custom;
  const server::HttpRequest& req = parse_head(custom, "BREW /pot HTTP/1.1\r\n\r\n");
  EXPECT_EQ(req.method_string(), "BREW") << "an unknown method keeps its name";
}

}  // namespace
}  // namespace codeledger::testing
