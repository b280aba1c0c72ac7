// Socket-free pieces: router, query decoding, envelopes, the smuggling screen, the answer's
// head.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory_resource>
#include <new>

#include <boost/beast/http/parser.hpp>

#include "server/http/access_log.h"
#include "server/http/answer_body.h"
#include "server/http/errors.h"
#include "server/http/handler_memory.h"
#include "server/http/head_screen.h"
#include "server/http/request_parser.h"
#include "server/http/response_head.h"
#include "server/http/router.h"
#include "server/http/session.h"

namespace codeledger::server {
namespace {

// A session's operation takes its slot; a second one at the same time, or one larger than
// the slot, gets heap memory instead, and freeing the first makes the slot free again.
TEST(HandlerMemory, OneOperationAtATimeUsesTheSlotTheRestTheHeap) {
  HandlerMemory memory;
  HandlerAllocator<char> alloc(memory);
  char* first = alloc.allocate(256);
  char* second = alloc.allocate(256);
  ASSERT_NE(first, second);
  first[0] = second[0] = 'x';  // both usable (ASan checks the heap one's bounds)
  alloc.deallocate(second, 256);
  alloc.deallocate(first, 256);
  EXPECT_EQ(alloc.allocate(256), first) << "the slot is free again";
  char* large = alloc.allocate(4096);
  EXPECT_NE(large, first);
  large[4095] = 'x';
  alloc.deallocate(large, 4096);
  alloc.deallocate(first, 256);
  // A rebound copy shares the slot, as Asio's rebinding to its operation type needs.
  HandlerAllocator<std::max_align_t> rebound(alloc);
  EXPECT_TRUE(rebound == alloc);
  auto* op = rebound.allocate(2);
  EXPECT_EQ(static_cast<void*>(op), static_cast<void*>(first));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(op) % alignof(std::max_align_t), 0u);
  rebound.deallocate(op, 2);
}

Reply ok_reply(RequestContext&) { return {}; }

Router sample_router() {
  Router r;
  r.add(Route{http::verb::get, "/api_gateway/v1/promotions/code", &ok_reply, Scope::kRead});
  r.add(Route{http::verb::get, "/api_gateway/v1/promotions/{promotionId}", &ok_reply, Scope::kRead});
  r.add(Route{http::verb::put, "/api_gateway/v1/promotions/{promotionId}", &ok_reply, Scope::kAdmin});
  r.add(Route{http::verb::post, "/api_gateway/v1/promotions/{promotionId}/issueBulk", &ok_reply,
              Scope::kWrite});
  return r;
}

TEST(Router, LiteralSegmentWinsOverParameter) {
  Router r = sample_router();
  PathParams params;
  auto m = r.match(http::verb::get, "/api_gateway/v1/promotions/code", params);
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.endpoint->pattern, "/api_gateway/v1/promotions/code");
}

TEST(Router, ParameterSegmentsAreCaptured) {
  Router r = sample_router();
  PathParams params;
  const std::string path = "/api_gateway/v1/promotions/69117663b1cfc114606fd7fb/issueBulk";
  auto m = r.match(http::verb::post, path, params);
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(params.get("promotionId"), "69117663b1cfc114606fd7fb");
}

TEST(Router, UnknownPathIsNotFound) {
  Router r = sample_router();
  PathParams params;
  EXPECT_EQ(r.match(http::verb::get, "/nope", params).kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.match(http::verb::get, "/api_gateway/v1/promotions/x/y/z", params).kind,
            RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.match(http::verb::get, "/api_gateway/v1/promotions/", params).kind,
            RouteMatch::Kind::kNotFound);
}

// The path is split once into at most kPatternSegmentsMax segments: a longer one matches
// nothing (no pattern may be that long), and every parameter of a pattern is captured.
TEST(Router, LongPathsMatchNothingAndEveryParameterIsCaptured) {
  Router r = sample_router();
  r.add(Route{http::verb::get, "/a/{one}/b/{two}/c/{three}/d/{four}", &ok_reply, Scope::kRead});
  PathParams params;
  auto m = r.match(http::verb::get, "/a/1/b/22/c/333/d/4444", params);
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(params.get("one"), "1");
  EXPECT_EQ(params.get("two"), "22");
  EXPECT_EQ(params.get("three"), "333");
  EXPECT_EQ(params.get("four"), "4444");
  EXPECT_EQ(params.get("five"), "");
  std::string deep;
  for (std::size_t i = 0; i <= Router::kPatternSegmentsMax; ++i) deep += "/promotions";
  PathParams none;
  EXPECT_EQ(r.match(http::verb::get, deep, none).kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.match(http::verb::get, "api_gateway/v1/promotions/code", none).kind,
            RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.match(http::verb::get, "/api_gateway//promotions/code", none).kind,
            RouteMatch::Kind::kNotFound);
}

TEST(Router, KnownPathWithWrongMethodListsAllowedMethodsOnce) {
  Router r = sample_router();
  PathParams params;
  auto m = r.match(http::verb::delete_, "/api_gateway/v1/promotions/code", params);
  ASSERT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, HEAD");  // not PUT: "code" is no {promotionId}
  auto id = r.match(http::verb::delete_, "/api_gateway/v1/promotions/69117663b1cfc114606fd7fb", params);
  ASSERT_EQ(id.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(id.allow, "GET, HEAD, PUT");
}

// HEAD is served wherever GET is (RFC 9110 9.3.2), by the GET endpoint; a path without GET
// does not take it.
TEST(Router, HeadIsServedByThePathsGetEndpoint) {
  Router r = sample_router();
  PathParams params;
  auto literal = r.match(http::verb::head, "/api_gateway/v1/promotions/code", params);
  ASSERT_EQ(literal.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(literal.endpoint->method, http::verb::get);
  EXPECT_EQ(literal.endpoint->pattern, "/api_gateway/v1/promotions/code");
  const std::string issue = "/api_gateway/v1/promotions/69117663b1cfc114606fd7fb/issueBulk";
  auto post_only = r.match(http::verb::head, issue, params);
  EXPECT_EQ(post_only.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(post_only.allow.find("HEAD"), std::string::npos) << post_only.allow;
}

// A pattern without parameters is found by its text; asked with another method, the path
// still goes through the segment scan, where the parameterised PUT does not take "code" (a
// word another pattern has at that place): 405, not the PUT (probe 39, item 5). A found
// endpoint's index is its position in the router either way.
TEST(Router, ALiteralPathWithAnotherMethodIs405NotTheParameterisedPattern) {
  Router r = sample_router();
  PathParams params;
  auto get = r.match(http::verb::get, "/api_gateway/v1/promotions/code", params);
  ASSERT_EQ(get.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(get.index, 0u);
  EXPECT_EQ(params.get("promotionId"), "");
  auto put = r.match(http::verb::put, "/api_gateway/v1/promotions/code", params);
  ASSERT_EQ(put.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(put.allow, "GET, HEAD");
  auto by_id = r.match(http::verb::put, "/api_gateway/v1/promotions/69117663b1cfc114606fd7fb", params);
  ASSERT_EQ(by_id.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(by_id.index, 2u);
  EXPECT_EQ(params.get("promotionId"), "69117663b1cfc114606fd7fb");
  PathParams other;
  EXPECT_EQ(r.match(http::verb::get, "/api_gateway/v1/promotions/code/", other).kind,
            RouteMatch::Kind::kNotFound);
}

TEST(QueryDecoding, PercentEscapesAndPlusAreDecoded) {
  QueryParams q;
  ASSERT_TRUE(parse_query("codes=DQCV73%2CABC123&mode=DISCOUNT&name=a+b%20c&flag&codes=X", q));
  ASSERT_EQ(q.items().size(), 5u);
  EXPECT_EQ(*q.find("codes"), "DQCV73,ABC123");
  EXPECT_EQ(*q.find("name"), "a b c");
  EXPECT_EQ(*q.find("flag"), "");
  EXPECT_EQ(q.items()[4].second, "X");
}

TEST(QueryDecoding, BadEscapesAreRejected) {
  QueryParams q;
  EXPECT_FALSE(parse_query("a=%G1", q));
  EXPECT_FALSE(parse_query("a=%4", q));
  EXPECT_FALSE(parse_query("a=%", q));
  EXPECT_FALSE(parse_query("%zz=1", q));
}

TEST(QueryDecoding, TargetSplitsAtFirstQuestionMark) {
  auto t = split_target("/a/b?x=1?y");
  EXPECT_EQ(t.path, "/a/b");
  EXPECT_EQ(t.query, "x=1?y");
}

TEST(Envelope, CapillaryErrorEscapesTheMessage) {
  Reply r = capillary_error(http::status::bad_request, 1001, "bad \"code\"\n\\ \x01");
  EXPECT_EQ(r.status, http::status::bad_request);
  EXPECT_EQ(r.body, R"({"data":null,"errors":[{"code":1001,"message":"bad \"code\"\n\\ \u0001"}]})");
}

// Messages quote what the client sent (a code, a field): bytes that are not UTF-8 must not
// make the answer invalid JSON. They become U+FFFD, as in every other answer.
TEST(Envelope, ErrorMessageWithInvalidUtf8IsRepaired) {
  Reply c = capillary_error(http::status::bad_request, 902, "code 'AB\xff\xfe' is invalid");
  EXPECT_EQ(c.body, "{\"data\":null,\"errors\":[{\"code\":902,\"message\":\"code 'AB"
                    "\xEF\xBF\xBD\xEF\xBF\xBD' is invalid\"}]}");
  Reply a = altcraft_error(3, "\xc3");
  EXPECT_EQ(a.body, "{\"data\":null,\"error\":3,\"error_text\":\"\xEF\xBF\xBD\"}");
}

TEST(Envelope, AltcraftErrorShape) {
  Reply r = altcraft_error(3, "Profile not found");
  EXPECT_EQ(r.body, R"({"data":null,"error":3,"error_text":"Profile not found"})");
}

TEST(Envelope, PathPrefixChoosesTheDialect) {
  EXPECT_NE(envelope_error("/api/v1.1/promocodes/attach", http::status::not_found, "x").body.find("error_text"),
            std::string::npos);
  EXPECT_NE(envelope_error("/api_gateway/v1/x", http::status::not_found, "x").body.find("\"errors\""),
            std::string::npos);
}

TEST(Envelope, DomainErrorsMapToHttpStatus) {
  EXPECT_EQ(http_status_for(ErrorCode::kInvalidCode), http::status::bad_request);
  EXPECT_EQ(http_status_for(ErrorCode::kEarnedPromotionRevoked), http::status::bad_request);
  EXPECT_EQ(http_status_for(ErrorCode::kCodeTooLong), http::status::bad_request);
  EXPECT_EQ(http_status_for(ErrorCode::kLimitExceeded), http::status::bad_request);
  EXPECT_EQ(http_status_for(ErrorCode::kNotFound), http::status::not_found);
  EXPECT_EQ(http_status_for(ErrorCode::kConflict), http::status::conflict);
  EXPECT_EQ(http_status_for(ErrorCode::kInternal), http::status::internal_server_error);
  EXPECT_EQ(http_status_for(ErrorCode::kStorageUnavailable), http::status::service_unavailable);
  Reply r = capillary_error(Status(ErrorCode::kCodeLinkedToAnotherCustomer, "linked"));
  EXPECT_EQ(r.status, http::status::bad_request);
  EXPECT_NE(r.body.find("\"code\":1005"), std::string::npos);
}

constexpr std::string_view kGoodHead = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n";

// Parses text (one whole request) with the session's parser.
HttpRequest parse_whole(std::string_view text) {
  RequestParser p;
  p.eager(true);
  boost::beast::error_code ec;
  const std::size_t used = p.put(boost::asio::buffer(text.data(), text.size()), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(used, text.size());
  EXPECT_TRUE(p.is_done());
  return p.release();
}

TEST(RequestParser, KeepsOnlyAuthorizationAndConnectionAndEveryCopyOfThem) {
  const HttpRequest req = parse_whole(
      "POST /a/b?c=d HTTP/1.1\r\nHost: h\r\nAuthorization: Basic one\r\nUser-Agent: u\r\n"
      "X-Custom: x\r\nAuthorization: Basic two\r\nContent-Type: application/json\r\n"
      "Connection: keep-alive\r\nContent-Length: 4\r\n\r\nbody");
  EXPECT_EQ(req.method(), http::verb::post);
  EXPECT_EQ(req.target(), "/a/b?c=d");
  EXPECT_EQ(req.body(), "body");
  EXPECT_EQ(req[http::field::authorization], "Basic one");
  EXPECT_EQ(field_value(req, http::field::authorization), "Basic one") << "the first copy, as Beast's";
  EXPECT_EQ(field_value(req, http::field::connection), "keep-alive");
  EXPECT_EQ(field_value(req, http::field::host), "") << "dropped by the parser";
  EXPECT_EQ(req.count(http::field::authorization), 2u);
  EXPECT_TRUE(req.keep_alive());
  std::vector<std::string> names;
  for (const auto& f : req) names.emplace_back(f.name_string());
  EXPECT_EQ(names, (std::vector<std::string>{"Authorization", "Authorization", "Connection"}));
}

TEST(RequestParser, ConnectionCloseAndHttp10StillEndTheConnection) {
  EXPECT_FALSE(parse_whole("GET / HTTP/1.1\r\nX-A: 1\r\nConnection: close\r\n\r\n").keep_alive());
  EXPECT_FALSE(parse_whole("GET / HTTP/1.0\r\nHost: h\r\n\r\n").keep_alive());
  EXPECT_TRUE(parse_whole("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive());
  EXPECT_TRUE(parse_whole("GET / HTTP/1.1\r\nHost: h\r\n\r\n").keep_alive());
}

TEST(RequestParser, ADroppedFieldIsStillCheckedAndCountsTowardTheHeaderLimit) {
  RequestParser bad;
  boost::beast::error_code ec;
  const std::string_view text = "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n";
  bad.put(boost::asio::buffer(text.data(), text.size()), ec);
  EXPECT_EQ(ec, http::error::bad_field);

  RequestParser big;
  big.header_limit(64);
  const std::string head = "GET / HTTP/1.1\r\nX-Pad: " + std::string(100, 'p') + "\r\n\r\n";
  big.put(boost::asio::buffer(head.data(), head.size()), ec);
  EXPECT_EQ(ec, http::error::header_limit);
}

// The session's arena (512 bytes) holds a usual request's target and kept fields whole:
// with an upstream that refuses every allocation, the parse still succeeds. A longer head
// spills to the upstream, and a released arena serves the next request from its start.
TEST(RequestParser, AUsualRequestsTargetAndFieldsFitTheSessionArena) {
  alignas(std::max_align_t) std::array<std::byte, 512> bytes;
  std::pmr::monotonic_buffer_resource arena(bytes.data(), bytes.size(), std::pmr::null_memory_resource());
  const std::string text = "POST /api_gateway/v1/promotions/redemptions HTTP/1.1\r\nHost: h\r\n"
                           "Authorization: Basic " + std::string(60, 'a') + "\r\n"
                           "Connection: keep-alive\r\nContent-Length: 2\r\n\r\n{}";
  for (int request = 0; request < 3; ++request) {
    RequestParser p(&arena);
    p.eager(true);
    boost::beast::error_code ec;
    p.put(boost::asio::buffer(text.data(), text.size()), ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_TRUE(p.is_done());
    EXPECT_EQ(p.get().target(), "/api_gateway/v1/promotions/redemptions");
    EXPECT_EQ(field_value(p.get(), http::field::authorization), "Basic " + std::string(60, 'a'));
    arena.release();
  }
  const std::string long_head = "GET /" + std::string(600, 't') + " HTTP/1.1\r\n\r\n";
  boost::beast::error_code ec;
  RequestParser refused(&arena);
  EXPECT_THROW(refused.put(boost::asio::buffer(long_head.data(), long_head.size()), ec), std::bad_alloc)
      << "a 600-byte target cannot fit 512 bytes: it goes to the upstream";
  arena.release();
  std::pmr::monotonic_buffer_resource spilling(bytes.data(), bytes.size(), std::pmr::new_delete_resource());
  RequestParser spill(&spilling);
  spill.put(boost::asio::buffer(long_head.data(), long_head.size()), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(spill.get().target(), "/" + std::string(600, 't'));
}

// An answer's body comes back to the next answer on the same thread, storage and all;
// one over 16 KiB is let go, and a thread keeps at most 1 MiB of spares.
TEST(AnswerBody, AWrittenBodysStorageServesTheNextAnswerWithinTheBounds) {
  std::string first = take_answer_body();
  EXPECT_TRUE(first.empty());
  EXPECT_GE(first.capacity(), kAnswerReserveBytes);
  first.assign(800, 'x');
  const char* storage = first.data();
  recycle_answer_body(first);
  EXPECT_TRUE(first.empty());
  std::string second = take_answer_body();
  EXPECT_EQ(second.data(), storage) << "the same storage, no new allocation";
  EXPECT_TRUE(second.empty()) << "and nothing of the last answer in it";

  second.reserve(kAnswerSpareBodyBytesMax + 1);
  const std::size_t spares_before = answer_spare_bytes();
  recycle_answer_body(second);
  EXPECT_TRUE(second.empty());
  EXPECT_EQ(answer_spare_bytes(), spares_before) << "a large body is not kept";

  // Twice the bound's worth given back: the spares stop at the bound.
  std::vector<std::string> many(2 * kAnswerSpareBytesMax / kAnswerReserveBytes);
  for (auto& body : many) body = take_answer_body();
  EXPECT_EQ(answer_spare_bytes(), 0u);
  for (auto& body : many) recycle_answer_body(body);
  EXPECT_LE(answer_spare_bytes(), kAnswerSpareBytesMax);
  EXPECT_GT(answer_spare_bytes(), kAnswerSpareBytesMax - kAnswerSpareBodyBytesMax);
  for (auto& body : many) body = take_answer_body();
  EXPECT_EQ(answer_spare_bytes(), 0u);
}

TEST(Housekeeping, PeriodIsAnEighthOfTheShorterTimeoutWithinBounds) {
  HttpLimits l;  // defaults: read 10 s, idle 60 s
  EXPECT_EQ(housekeeping_period(l), std::chrono::milliseconds(1000));
  l.read_timeout_ms = 2'000;
  EXPECT_EQ(housekeeping_period(l), std::chrono::milliseconds(250));
  l.idle_timeout_ms = 200;
  EXPECT_EQ(housekeeping_period(l), std::chrono::milliseconds(25));
  l.read_timeout_ms = 1;
  EXPECT_EQ(housekeeping_period(l), std::chrono::milliseconds(5));
}

TEST(SmugglingScreen, OrdinaryHeadPasses) { EXPECT_EQ(screen_request_head(kGoodHead), ""); }

TEST(SmugglingScreen, TransferEncodingIsRejected) {
  EXPECT_NE(screen_request_head("POST /x HTTP/1.1\r\nHost: a\r\ntransfer-encoding: chunked\r\n\r\n"), "");
  EXPECT_NE(screen_request_head("POST /x HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n"), "");
  EXPECT_NE(screen_request_head("POST /x HTTP/1.1\r\nTRANSFER-encoding: chunked\r\n\r\n"), "");
}

TEST(SmugglingScreen, DuplicateOrMalformedContentLengthIsRejected) {
  EXPECT_NE(screen_request_head("POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), "");
  EXPECT_NE(screen_request_head("POST /x HTTP/1.1\r\ncontent-length: 5\r\nCONTENT-LENGTH: 5\r\n\r\n"), "");
  EXPECT_NE(screen_request_head("POST /x HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n"), "");
  EXPECT_NE(screen_request_head("POST /x HTTP/1.1\r\nContent-Length: +5\r\n\r\n"), "");
  EXPECT_NE(screen_request_head("POST /x HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n"), "");
  EXPECT_NE(screen_request_head("POST /x HTTP/1.1\r\nContent-Length:\r\n\r\n"), "");
  EXPECT_NE(screen_request_head("POST /x HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n"), "")
      << "19 significant digits";
}

// Leading zeros are digits like any other (1*DIGIT); only the significant ones are bounded.
TEST(SmugglingScreen, AContentLengthWithLeadingZerosIsPlain) {
  EXPECT_EQ(screen_request_head("POST /x HTTP/1.1\r\nContent-Length: 0000000000000000001\r\n\r\n"), "");
  EXPECT_EQ(screen_request_head("POST /x HTTP/1.1\r\nContent-Length: 00000000000000000000\r\n\r\n"), "");
  EXPECT_EQ(screen_request_head("POST /x HTTP/1.1\r\nContent-Length: 000123456789012345678\r\n\r\n"), "");
}

// Two credentials could be read as two callers: this server reads the first, a proxy in
// front of it may check the last.
TEST(SmugglingScreen, MoreThanOneAuthorizationIsRejected) {
  EXPECT_EQ(screen_request_head("GET /x HTTP/1.1\r\nAuthorization: Basic YTpi\r\nauthorization: Basic Yzpk\r\n\r\n"),
            "more than one Authorization");
  EXPECT_EQ(screen_request_head("GET /x HTTP/1.1\r\nAuthorization: Basic YTpi\r\nX-Authorization: 1\r\n\r\n"), "");
}

TEST(SmugglingScreen, ObsoleteLineFoldingAndBareLineEndsAreRejected) {
  EXPECT_NE(screen_request_head("GET /x HTTP/1.1\r\nX-A: 1\r\n 2\r\n\r\n"), "");
  EXPECT_NE(screen_request_head("GET /x HTTP/1.1\r\nX-A: 1\r\n\t2\r\n\r\n"), "");
  EXPECT_NE(screen_request_head("GET /x HTTP/1.1\nX-A: 1\r\n\r\n"), "");
  EXPECT_NE(screen_request_head("GET /x HTTP/1.1\r\nX-A: 1\r2\r\n\r\n"), "");
}

TEST(SmugglingScreen, EveryLineEndIsCheckedWhereverItIs) {
  struct Case {
    std::string_view head;
    std::string_view reason;  // empty: accepted
  };
  const Case cases[] = {
      {"", "incomplete request head"},
      {"GET /x HTTP/1.1", "incomplete request head"},
      {"\nGET /x HTTP/1.1\r\n\r\n", "bare LF in request head"},
      {"GET /x HTTP/1.1\r", "bare CR in request head"},
      {"GET /x\r HTTP/1.1\r\n\r\n", "bare CR in request head"},
      {"GET /x HTTP/1.1\r\nHost: a\r\r\n\r\n", "bare CR in request head"},
      // After the blank line only line ends are checked: a field-like line there is not a field.
      {"GET /x HTTP/1.1\r\n\r\nTransfer-Encoding: x\r\n", ""},
      {"GET /x HTTP/1.1\r\n\r\nx\n", "bare LF in request head"},
      {"GET /x HTTP/1.1\r\n\r\nx\r", "bare CR in request head"},
      // The start line alone, with or without the blank line, is a complete head.
      {"GET /x HTTP/1.1\r\n", ""},
      {"GET /x HTTP/1.1\r\n\r\n", ""},
      {"GET /x HTTP/1.1\r\nContent-Length:  7 \r\n\r\n", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(screen_request_head(c.head), c.reason) << c.head;
}

// Every head of up to 7 bytes from a small alphabet, after three kinds of start, judged
// against a byte-by-byte reading of the line-end rule: a bare CR or LF anywhere is refused.
TEST(SmugglingScreen, LineEndCountsAgreeWithAByteByByteReading) {
  const auto crlf_only = [](std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return false;
      if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
    }
    return true;
  };
  constexpr std::string_view kAlphabet = "\r\na: ";
  std::string tail;
  std::size_t heads = 0;
  const std::function<void(std::size_t)> each = [&](std::size_t left) {
    for (const std::string_view start : {"", "\r", "GET / HTTP/1.1\r\n"}) {
      const std::string head = std::string(start) + tail;
      const std::string_view reason = screen_request_head(head);
      // Refused for some reason (the first the screen meets) whenever a line end is bare;
      // never for a line end when all are CRLF.
      if (!crlf_only(head)) {
        ASSERT_NE(reason, "") << testing::PrintToString(head);
      } else {
        ASSERT_FALSE(reason.starts_with("bare ")) << testing::PrintToString(head) << ": " << reason;
      }
      ++heads;
    }
    if (left == 0) return;
    for (const char c : kAlphabet) {
      tail.push_back(c);
      each(left - 1);
      tail.pop_back();
    }
  };
  each(7);
  EXPECT_EQ(heads, 3u * (1 + 5 + 25 + 125 + 625 + 3'125 + 15'625 + 78'125));
}

TEST(SmugglingScreen, HeadEndIsFoundAcrossReads) {
  const std::string data = "GET / HTTP/1.1\r\nA: b\r\n\r\nrest";
  EXPECT_EQ(find_head_end(data, 0), data.size() - 4);
  EXPECT_EQ(find_head_end(data, 22), data.size() - 4);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nA: b\r\n\r", 0), 0u);
  // A blank line of bare LFs ends a head too (for the screen to refuse), across reads as well.
  const std::string lf = "GET / HTTP/1.1\nA: b\n\nrest";
  EXPECT_EQ(find_head_end(lf, 0), lf.size() - 4);
  EXPECT_EQ(find_head_end(lf, 20), lf.size() - 4);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nA: b\r\n\nrest", 0), 23u);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\nA: b\n", 0), 0u);
  EXPECT_EQ(screen_request_head(lf.substr(0, lf.size() - 4)), "bare LF in request head");
}

// The head and body as the session writes them, read back by Beast's own response parser.
http::response<http::string_body> parse_answer(const Reply& reply, bool keep_alive) {
  std::string wire;
  append_response_head(wire, reply, "Wed, 02 Dec 2026 18:00:00 GMT", keep_alive);
  if (status_has_body(reply.status)) wire += reply.body;
  http::response_parser<http::string_body> parser;
  if (!status_has_body(reply.status)) parser.skip(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  // put() stops after the head; the body takes further calls.
  while (!ec && !parser.is_done() && used < wire.size()) {
    used += parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
  }
  EXPECT_FALSE(ec) << ec.message() << " in:\n" << wire;
  EXPECT_TRUE(parser.is_done()) << wire;
  EXPECT_EQ(used, wire.size()) << "bytes past the answer:\n" << wire;
  return parser.release();
}

TEST(ResponseHead, ParsesBackWithEveryFieldAndTheBody) {
  Reply r = json_reply(http::status::too_many_requests, R"({"data":null})");
  r.headers.emplace_back("Retry-After", "3");
  r.headers.emplace_back("RateLimit", "\"key\";r=0;t=3");
  const auto m = parse_answer(r, true);
  EXPECT_EQ(m.result(), http::status::too_many_requests);
  EXPECT_EQ(m.reason(), "Too Many Requests");
  EXPECT_EQ(m.version(), 11);
  EXPECT_EQ(m[http::field::server], "codeledger");
  EXPECT_EQ(m[http::field::date], "Wed, 02 Dec 2026 18:00:00 GMT");
  EXPECT_EQ(m[http::field::content_type], "application/json");
  EXPECT_EQ(m["Retry-After"], "3");
  EXPECT_EQ(m["RateLimit"], "\"key\";r=0;t=3");
  EXPECT_EQ(m[http::field::content_length], std::to_string(r.body.size()));
  EXPECT_EQ(m.body(), r.body);
  EXPECT_TRUE(m.keep_alive());
}

TEST(ResponseHead, RateHeadersComeFromTheReplysPolicyView) {
  Reply r = json_reply(http::status::ok, "{}");
  r.rate = {"\"default\";q=600;w=60", 599, 1};
  const auto m = parse_answer(r, true);
  EXPECT_EQ(m["RateLimit-Policy"], "\"default\";q=600;w=60");
  EXPECT_EQ(m["RateLimit"], "\"default\";r=599;t=1");
  r.rate = {};
  EXPECT_EQ(parse_answer(r, true).count("RateLimit"), 0u) << "no policy, no rate headers";
}

// The head is gathered in a 512-byte buffer: fields that straddle it, or are longer than
// it, must come out whole and in order after what the string already held.
TEST(ResponseHead, LongAndManyFieldsComeOutWholeAndInOrder) {
  Reply r = json_reply(http::status::ok, "{}");
  for (int i = 0; i < 30; ++i) {  // under the parser's 8 KiB head limit, with X-Long
    r.headers.emplace_back("X-Many", std::string(static_cast<std::size_t>(i) * 5, 'a' + i % 26));
  }
  r.headers.emplace_back("X-Long", std::string(2'000, 'z'));
  r.rate = {"\"default\";q=60;w=60", 4'294'967'295u, 60};
  std::string wire = "kept";
  append_response_head(wire, r, "d", true);
  ASSERT_TRUE(wire.starts_with("keptHTTP/1.1 200 OK\r\n")) << wire.substr(0, 40);
  const auto m = parse_answer(r, true);
  std::vector<std::string> many;
  for (const auto& f : m) {
    if (f.name_string() == "X-Many") many.emplace_back(f.value());
  }
  ASSERT_EQ(many.size(), 30u);
  for (std::size_t i = 0; i < many.size(); ++i) {
    EXPECT_EQ(many[i], std::string(i * 5, static_cast<char>('a' + i % 26))) << i;
  }
  EXPECT_EQ(m["X-Long"], std::string(2'000, 'z'));
  EXPECT_EQ(m["RateLimit"], "\"default\";r=4294967295;t=60");
  EXPECT_EQ(m[http::field::content_length], "2");
}

TEST(ResponseHead, ClosingAnswerSaysConnectionClose) {
  const auto m = parse_answer(json_reply(http::status::bad_request, "{}"), false);
  EXPECT_EQ(m[http::field::connection], "close");
  EXPECT_FALSE(m.keep_alive());
}

TEST(ResponseHead, HeaderWithALineBreakIsLeftOut) {
  Reply r = json_reply(http::status::ok, "{}");
  r.headers.emplace_back("X-Split", "a\r\nSet-Cookie: evil=1");
  r.headers.emplace_back("X-Bad\nName", "v");
  r.headers.emplace_back("X-Lone-CR", "a\rb");
  r.headers.emplace_back("X-Nul", std::string("a\0b", 3));
  r.headers.emplace_back("X-Kept", "yes");
  std::string wire;
  append_response_head(wire, r, "d", true);
  EXPECT_EQ(wire.find("evil"), std::string::npos);
  EXPECT_EQ(wire.find("X-Bad"), std::string::npos);
  EXPECT_EQ(wire.find("X-Lone-CR"), std::string::npos);
  EXPECT_EQ(wire.find("X-Nul"), std::string::npos);
  EXPECT_EQ(wire.find('\0'), std::string::npos);
  const auto m = parse_answer(r, true);
  EXPECT_EQ(m["X-Kept"], "yes");
  EXPECT_EQ(m.count("Set-Cookie"), 0u);
}

TEST(ResponseHead, NoContentCarriesNoLength) {
  Reply r;
  r.status = http::status::no_content;
  std::string wire;
  append_response_head(wire, r, "d", true);
  EXPECT_EQ(wire.find("Content-Length"), std::string::npos);
  EXPECT_FALSE(status_has_body(http::status::not_modified));
  EXPECT_FALSE(status_has_body(http::status::continue_));
  EXPECT_TRUE(status_has_body(http::status::ok));
}

// The access log's line keeps its fields ("access", time, client, method, path, status,
// bytes, microseconds) whatever the client sent: a request refused before its method and
// path were parsed (a 431) shows "-" for them, and bytes that are not printable ASCII show
// as '?' (probe 33: empty fields shifted the rest; raw high bytes were logged as they came).
std::vector<std::string> access_fields(std::string_view method, std::string_view target) {
  const ClientAddress v4_mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
  const std::string line = access_log_line(v4_mapped, method, target, 431, 263, 412'000);
  EXPECT_EQ(line.back(), '\n');
  std::vector<std::string> fields;
  std::size_t at = 0;
  for (std::size_t space; (space = line.find(' ', at)) != std::string::npos; at = space + 1) {
    fields.push_back(line.substr(at, space - at));
  }
  fields.push_back(line.substr(at, line.size() - 1 - at));
  return fields;
}

TEST(AccessLog, EveryLineHasItsEightFields) {
  auto f = access_fields("POST", "/api_gateway/v1/promotions/code/link");
  ASSERT_EQ(f.size(), 8u);
  EXPECT_EQ(f[0], "access");
  EXPECT_EQ(f[2], "127.0.0.1");
  EXPECT_EQ(f[3], "POST");
  EXPECT_EQ(f[4], "/api_gateway/v1/promotions/code/link");
  EXPECT_EQ(f[5], "431");
  EXPECT_EQ(f[6], "263B");
  EXPECT_EQ(f[7], "412us");
  auto empty = access_fields("", "");
  ASSERT_EQ(empty.size(), 8u);
  EXPECT_EQ(empty[3], "-");
  EXPECT_EQ(empty[4], "-");
  auto hostile = access_fields("G\x01T", "/a b\r\n\x80\xff/c?codes=SECRET");
  ASSERT_EQ(hostile.size(), 8u);
  EXPECT_EQ(hostile[3], "G?T");
  EXPECT_EQ(hostile[4], "/a?b" + std::string(4, '?') + "/c?...") << "the query is never logged";
}

}  // namespace
}  // namespace codeledger::server
