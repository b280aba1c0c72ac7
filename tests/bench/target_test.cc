#include "bench/load/target.h"

#include <gtest/gtest.h>

#include "bench/load/options.h"

namespace codeledger::bench {
namespace {

TEST(LoopbackTarget, AcceptsLoopbackLiterals) {
  EXPECT_EQ(loopback_address("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(loopback_address("127.255.3.4"), "127.255.3.4");
  EXPECT_EQ(loopback_address("::1"), "::1");
  EXPECT_EQ(loopback_address("[::1]"), "::1");
  EXPECT_EQ(loopback_address("localhost"), "127.0.0.1");
}

TEST(LoopbackTarget, RefusesEverythingElse) {
  for (const char* host : {"10.0.0.1", "0.0.0.0", "128.0.0.1", "192.168.1.1", "example.com",
                           "127.0.0.1.example.com", "localhost.example.com", "::", "::2",
                           "::ffff:127.0.0.1", "127.1", "", "[127.0.0.1]"}) {
    EXPECT_FALSE(loopback_address(host).has_value()) << host;
  }
}

TEST(LoopbackTarget, OptionsRefuseRemoteHost) {
  const char* argv[] = {"ledger-load", "--host", "8.8.8.8"};
  auto parsed = parse_options(3, argv);
  ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
  EXPECT_NE(std::get<std::string>(parsed).find("non-loopback"), std::string::npos);
}

TEST(Options, LimitsAreEnforced) {
  const char* too_many[] = {"ledger-load", "--connections", "100000"};
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_options(3, too_many)));
  const char* bad_mix[] = {"ledger-load", "--mix", "lookup=50,link=20"};
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_options(3, bad_mix)));
  const char* ok[] = {"ledger-load", "--mix", "lookup=40,link=30,redeem=20,issue=10",
                      "--duration", "5"};
  auto parsed = parse_options(5, ok);
  ASSERT_TRUE(std::holds_alternative<Options>(parsed));
  EXPECT_EQ(std::get<Options>(parsed).mix.link, 30u);
}

}  // namespace
}  // namespace codeledger::bench
