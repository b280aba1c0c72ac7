// The load generator's answer parser (bench/load/answer_parser.h) keeps no header field, and
// still reads what it needs: the status, the whole body and whether the connection stays.
#include <gtest/gtest.h>

#include <string_view>

#include <boost/asio/buffer.hpp>

#include "bench/load/answer_parser.h"

namespace codeledger::bench {
namespace {

// Parsers do not move: each test owns its own and hands it in.
void parse(AnswerParser& p, std::string_view answer) {
  boost::beast::error_code ec;
  p.eager(true);
  const std::size_t used = p.put(boost::asio::buffer(answer.data(), answer.size()), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(used, answer.size());
  EXPECT_TRUE(p.is_done());
}

TEST(AnswerParser, ReadsStatusAndBodyAndStoresNoField) {
  AnswerParser p;
  parse(p,
      "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-RateLimit-Limit: 10\r\n"
      "Date: Sun, 06 Dec 2026 11:00:00 GMT\r\nContent-Length: 13\r\n\r\n{\"code\":1004}");
  EXPECT_EQ(p.get().result_int(), 400u);
  EXPECT_EQ(p.get().body(), "{\"code\":1004}");
  EXPECT_TRUE(p.keep_alive());
  EXPECT_EQ(p.get().begin(), p.get().end());  // not one field stored
}

TEST(AnswerParser, ConnectionCloseStillEndsKeepAlive) {
  AnswerParser p;
  parse(p, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_FALSE(p.keep_alive());
  EXPECT_EQ(p.get().body(), "{}");
}

TEST(AnswerParser, AChunkedBodyIsReadWhole) {
  AnswerParser p;
  parse(p,
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n");
  EXPECT_EQ(p.get().body(), "{\"a\":1}");
}

}  // namespace
}  // namespace codeledger::bench
