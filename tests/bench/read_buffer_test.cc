// The load generator reads each answer with one recv call when it fits kHttpReadBytes:
// Beast asks the socket for read_size(buffer) bytes, and the parser consumes everything
// read, so what matters is the size asked for while the buffer is empty again, answer
// after answer.
#include <boost/beast/core/read_size.hpp>
#include <gtest/gtest.h>

#include <algorithm>

#include "bench/load/connection.h"

namespace codeledger::bench {
namespace {

constexpr std::size_t kBeastReadMax = 65536;  // the cap Beast's HTTP read passes

// One read as Beast's HTTP read makes it: ask for read_size bytes, take what arrived (at
// most that), and let the parser consume all of it. Returns the bytes taken.
std::size_t read_once(boost::beast::flat_buffer& buffer, std::size_t arrived) {
  const std::size_t asked = boost::beast::read_size(buffer, kBeastReadMax);
  const std::size_t taken = std::min(asked, arrived);
  buffer.prepare(asked);
  buffer.commit(taken);
  buffer.consume(buffer.size());
  return taken;
}

constexpr std::size_t kLinkAnswerBytes = 604;  // measured: a Capillary link answer

TEST(HttpReadBuffer, AWholeLinkAnswerTakesOneReadEveryTime) {
  boost::beast::flat_buffer buffer = http_read_buffer();
  for (int answer = 0; answer < 3; ++answer) {
    EXPECT_EQ(read_once(buffer, kLinkAnswerBytes), kLinkAnswerBytes) << answer;
  }
}

TEST(HttpReadBuffer, AsksForTheFullReservedRoom) {
  boost::beast::flat_buffer buffer = http_read_buffer();
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(boost::beast::read_size(buffer, kBeastReadMax), kHttpReadBytes);
}

// Why the reserve is there: without it every link answer took two reads, answer after answer.
TEST(HttpReadBuffer, AnUnreservedBufferSplitsEveryLinkAnswerInTwo) {
  boost::beast::flat_buffer plain;
  for (int answer = 0; answer < 3; ++answer) {
    const std::size_t first = read_once(plain, kLinkAnswerBytes);
    EXPECT_EQ(first, 512u) << answer;
    EXPECT_EQ(read_once(plain, kLinkAnswerBytes - first), kLinkAnswerBytes - 512) << answer;
  }
}

}  // namespace
}  // namespace codeledger::bench
