// The open-file limit is raised toward the hard limit at start, never lowered, and a short one
// is told with what to do (fd_limit.h). What the server does when it runs out of descriptors
// is tested on the real codeledgerd, in its own process (tests/crash/fd_limit_test.cc): in
// this one the sanitizers' runtime itself needs descriptors.
#include "server/http/fd_limit.h"

#include "server/http/config.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <string>

namespace codeledger {
namespace {

// Puts the soft open-file limit back as it found it.
class SoftFdLimit {
 public:
  SoftFdLimit() { getrlimit(RLIMIT_NOFILE, &saved_); }
  ~SoftFdLimit() { restore(); }
  bool set(rlim_t soft) {
    rlimit r = saved_;
    r.rlim_cur = soft;
    return setrlimit(RLIMIT_NOFILE, &r) == 0;
  }
  void restore() { setrlimit(RLIMIT_NOFILE, &saved_); }
  rlim_t hard() const { return saved_.rlim_max; }

 private:
  rlimit saved_{};
};

rlim_t current_soft_limit() {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  return r.rlim_cur;
}

TEST(FdLimit, TheSoftLimitIsRaisedTowardTheHardOneAndNeverLowered) {
  SoftFdLimit guard;
  ASSERT_GE(guard.hard(), 300u);
  ASSERT_TRUE(guard.set(300));

  server::FdLimit f = server::raise_fd_limit(100, 128);  // wants 228: 300 is enough
  EXPECT_EQ(f.before, 300u);
  EXPECT_EQ(f.now, 300u);
  EXPECT_TRUE(f.enough());
  EXPECT_EQ(f.warning(), "");
  EXPECT_EQ(current_soft_limit(), 300u);

  f = server::raise_fd_limit(1000, 128);  // wants 1128
  const rlim_t expected = std::min<rlim_t>(1128, guard.hard());
  EXPECT_EQ(f.wanted, 1128u);
  EXPECT_EQ(f.now, expected);
  EXPECT_EQ(current_soft_limit(), expected);
}

TEST(FdLimit, AShortHardLimitIsToldWithWhatToDo) {
  SoftFdLimit guard;
  const server::FdLimit f = server::raise_fd_limit(guard.hard(), 128);  // wants hard + 128
  EXPECT_EQ(f.now, guard.hard());
  EXPECT_FALSE(f.enough());
  const std::string w = f.warning();
  EXPECT_NE(w.find("the open-file limit is " + std::to_string(guard.hard()) + " (hard limit " +
                   std::to_string(guard.hard()) + ")"), std::string::npos) << w;
  EXPECT_NE(w.find("LimitNOFILE="), std::string::npos) << w;
}

TEST(FdLimit, TheServersReserveGrowsWithItsIoThreads) {
  server::Config config;
  config.threads = 2;
  EXPECT_EQ(server::server_fd_reserve(config), 64u + 4u * 2u);
  config.threads = 64;
  EXPECT_EQ(server::server_fd_reserve(config), 64u + 4u * 64u);
}

}  // namespace
}  // namespace codeledger
