// The load generator's receive buffer for Redis replies (bench/load/resp.h): replies are
// taken from the front, and taking one moves only what arrived after it.
#include <gtest/gtest.h>

#include <cstring>
#include <string_view>

#include "bench/load/resp.h"

namespace codeledger::bench::resp {
namespace {

constexpr std::size_t kReadBytes = 16 * 1024;

void receive(Inbox& in, std::string_view bytes) {
  char* room = in.room();
  ASSERT_GE(in.room_bytes(), bytes.size());
  std::memcpy(room, bytes.data(), bytes.size());
  in.commit(bytes.size());
}

// A closed loop's every answer: one read brings one reply, which is then taken whole.
TEST(RespInbox, TakingTheOnlyReplyHeldMovesNothing) {
  Inbox in(kReadBytes);
  for (int reply = 0; reply < 3; ++reply) {
    receive(in, ":1\r\n");
    Reply r;
    const std::size_t used = parse(in.data(), &r);
    ASSERT_EQ(used, 4u);
    EXPECT_EQ(r.integer, 1);
    in.consume(used);
    EXPECT_TRUE(in.data().empty());
  }
  EXPECT_EQ(in.bytes_moved(), 0u);
}

// Two replies in one read, and a third split across reads: each is taken in order, and only
// the bytes behind a taken reply move.
TEST(RespInbox, RepliesBehindATakenOneStayInOrder) {
  Inbox in(kReadBytes);
  receive(in, ":7\r\n-ERR no\r\n$3\r\nab");
  Reply r;
  ASSERT_EQ(parse(in.data(), &r), 4u);
  in.consume(4);
  EXPECT_EQ(in.bytes_moved(), std::string_view("-ERR no\r\n$3\r\nab").size());
  ASSERT_EQ(parse(in.data(), &r), 9u);
  EXPECT_EQ(r.kind, Kind::kError);
  in.consume(9);
  EXPECT_EQ(in.data(), "$3\r\nab");
  EXPECT_EQ(parse(in.data(), &r), 0u);  // incomplete: read more after it
  receive(in, "c\r\n");
  ASSERT_EQ(parse(in.data(), &r), 9u);
  EXPECT_EQ(r.kind, Kind::kBulk);
  EXPECT_EQ(r.text, "abc");
  in.consume(9);
  EXPECT_TRUE(in.data().empty());
}

// Every read gets the full room after what is held, however much is held.
TEST(RespInbox, EachReadGetsTheFullRoom) {
  Inbox in(kReadBytes);
  in.room();
  EXPECT_EQ(in.room_bytes(), kReadBytes);
  receive(in, std::string(kReadBytes - 1, 'x'));
  in.room();
  EXPECT_EQ(in.room_bytes(), kReadBytes);
  in.clear();
  EXPECT_TRUE(in.data().empty());
}

}  // namespace
}  // namespace codeledger::bench::resp
