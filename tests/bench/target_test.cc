#include "bench/load/target.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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

// parse_options on one flag and its value: the error text, or empty when it was taken.
std::string parse_error(const char* flag, const char* value) {
  const char* argv[] = {"ledger-load", flag, value};
  auto parsed = parse_options(3, argv);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  return {};
}

TEST(Options, CountsMustBeWholeNumbers) {
  const std::vector<std::pair<const char*, const char*>> refused = {
      {"--connections", "1.5"}, {"--connections", "0x10"}, {"--connections", "1e3"},
      {"--connections", "nan"}, {"--connections", "-1"},   {"--connections", "+8"},
      {"--port", "80.5"},       {"--codes", "1e3"},        {"--seed", "-1"},
      {"--requests", "inf"},    {"--threads", ""},         {"--hot-codes", "8 "}};
  for (const auto& [flag, value] : refused) {
    EXPECT_EQ(parse_error(flag, value), "bad value for " + std::string(flag) + ": " + value);
  }
  const char* argv[] = {"ledger-load", "--connections", "32", "--port", "9000", "--codes", "1000"};
  auto parsed = parse_options(7, argv);
  ASSERT_TRUE(std::holds_alternative<Options>(parsed));
  EXPECT_EQ(std::get<Options>(parsed).connections, 32u);
  EXPECT_EQ(std::get<Options>(parsed).port, 9000);
  EXPECT_EQ(std::get<Options>(parsed).codes, 1000u);
}

TEST(Options, RatesAndDurationsMustBeFinite) {
  for (const char* flag : {"--rate", "--duration", "--zipf"}) {
    for (const char* value : {"nan", "inf", "-inf", "", "1s"}) {
      EXPECT_EQ(parse_error(flag, value), "bad value for " + std::string(flag) + ": " + value);
    }
  }
  const char* argv[] = {"ledger-load", "--rate", "2500.5", "--duration", "1e1", "--zipf", "1.2"};
  auto parsed = parse_options(7, argv);
  ASSERT_TRUE(std::holds_alternative<Options>(parsed));
  EXPECT_DOUBLE_EQ(std::get<Options>(parsed).rate_rps, 2500.5);
  EXPECT_DOUBLE_EQ(std::get<Options>(parsed).duration_s, 10);
  EXPECT_DOUBLE_EQ(std::get<Options>(parsed).zipf_s, 1.2);
}

// A flag that shapes the open loop only: refused without --rate (with `refusal`), set with
// it, off when not given.
void expect_open_loop_only(const char* flag, const std::string& refusal, bool Options::*field) {
  const char* closed[] = {"ledger-load", flag};
  EXPECT_EQ(std::get<std::string>(parse_options(2, closed)), refusal);
  const char* open[] = {"ledger-load", flag, "--rate", "1000"};
  auto parsed = parse_options(4, open);
  ASSERT_TRUE(std::holds_alternative<Options>(parsed));
  EXPECT_TRUE(std::get<Options>(parsed).*field);
  const char* plain[] = {"ledger-load", "--rate", "1000"};
  EXPECT_FALSE(std::get<Options>(parse_options(3, plain)).*field);
}

TEST(Options, SpinPacesTheOpenLoopOnly) {
  expect_open_loop_only("--spin", "--spin paces the open loop: give --rate too", &Options::spin);
}

TEST(Options, PoolSharesTheOpenLoopsScheduleOnly) {
  expect_open_loop_only("--pool", "--pool shares the open loop's schedule: give --rate too",
                        &Options::pool);
}

// The shares are each 0..100 and named once; a 32-bit sum must not wrap back to 100, and a
// trailing comma or a second share of the same name is a typo, not a mix (probe 33).
TEST(Options, AMixNamesEachShareOnceAndSumsTo100) {
  for (const char* mix : {"lookup=4294967295,link=101", "lookup=100,", "lookup=100,lookup=0",
                          "lookup=60,link=20,redeem=15,issue=5,", "lookup=,link=100",
                          "lookup=101,link=0"}) {
    EXPECT_EQ(parse_error("--mix", mix), "bad value for --mix: " + std::string(mix));
  }
  EXPECT_EQ(parse_error("--mix", "lookup=100"), "");
  EXPECT_EQ(parse_error("--mix", "redeem=0,lookup=100"), "");
}

// The label lands in the RESULT line that scripts split on spaces into name=value pairs.
TEST(Options, ALabelHasNoSpaceControlCharacterOrEquals) {
  for (const char* label : {"two words", "rps=999999", "line\nbreak", "tab\there"}) {
    EXPECT_EQ(parse_error("--label", label), "bad value for --label: " + std::string(label));
  }
  EXPECT_EQ(parse_error("--label", "codeledgerd-sync-link"), "");
  EXPECT_EQ(parse_error("--label", "durability:sync/caf\xc3\xa9"), "");
}

// A label of 400 characters pushed the report's configuration off the page, and "-" reads
// as no label on the RESULT line (probe 34d): at most 100 bytes, and not "-".
TEST(Options, ALabelIsAtMost100BytesAndNotADash) {
  EXPECT_EQ(parse_error("--label", std::string(100, 'x').c_str()), "");
  const std::string long_label(101, 'x');
  EXPECT_EQ(parse_error("--label", long_label.c_str()), "bad value for --label: " + long_label);
  EXPECT_EQ(parse_error("--label", "-"), "bad value for --label: -");
  EXPECT_EQ(parse_error("--label", "-x"), "");
}

// A flag that shapes another scenario or target than the run's would be ignored: refused.
TEST(Options, FlagsForAnotherScenarioOrTargetAreRefused) {
  const auto error_of = [](std::vector<const char*> args) {
    args.insert(args.begin(), "ledger-load");
    auto parsed = parse_options(static_cast<int>(args.size()), args.data());
    return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : std::string();
  };
  EXPECT_EQ(error_of({"--scenario", "link", "--mix", "lookup=100"}), "--mix shapes the peak-sale scenario only");
  EXPECT_EQ(error_of({"--scenario", "redeem", "--zipf", "1.2"}), "--zipf shapes the peak-sale scenario only");
  EXPECT_EQ(error_of({"--scenario", "peak-sale", "--hot-codes", "4"}),
            "--hot-codes shapes the hot-code scenario only");
  EXPECT_EQ(error_of({"--redis-scripts", "/tmp"}), "--redis-scripts is for --target redis only");
  EXPECT_EQ(error_of({"--target", "redis", "--setup", "generate"}), "--setup is for --target http only");
  EXPECT_EQ(error_of({"--target", "redis", "--key", "bench", "--secret", "S"}),
            "--key and --secret are for --target http only (Redis is driven without them)");
  EXPECT_EQ(error_of({"--key", "", "--secret", ""}),
            "--key and --secret must not be empty (neither flag: codeledgerd's --demo key)");
  EXPECT_EQ(error_of({"--scenario", "hot-code", "--hot-codes", "4", "--codes", "100"}), "");
  EXPECT_EQ(error_of({"--mix", "lookup=100", "--zipf", "1.2"}), "");
}

TEST(Options, KeyAndSecretGoTogether) {
  const char* key_only[] = {"ledger-load", "--key", "bench"};
  EXPECT_EQ(std::get<std::string>(parse_options(3, key_only)),
            "--key and --secret go together (neither: codeledgerd's --demo key)");
  const char* secret_only[] = {"ledger-load", "--secret", "s"};
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_options(3, secret_only)));
  const char* both[] = {"ledger-load", "--key", "bench", "--secret", "s"};
  EXPECT_TRUE(std::holds_alternative<Options>(parse_options(5, both)));
}

class ReportPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ledger-load-paths-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    options_.json_path = (dir_ / "run.json").string();
    options_.html_path = (dir_ / "run.html").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  Options options_;
};

TEST_F(ReportPaths, WritablePathsPassAndNothingIsCreated) {
  EXPECT_EQ(report_paths_error(options_), std::nullopt);
  EXPECT_FALSE(std::filesystem::exists(options_.json_path));
  std::ofstream(options_.html_path) << "an earlier report";
  EXPECT_EQ(report_paths_error(options_), std::nullopt);
}

TEST_F(ReportPaths, AMissingDirectoryIsNamed) {
  options_.html_path = (dir_ / "nope" / "run.html").string();
  EXPECT_EQ(report_paths_error(options_), "cannot write the report --html " + options_.html_path +
                                              ": no directory " + (dir_ / "nope").string());
}

TEST_F(ReportPaths, ADirectoryOrAnEmptyPathIsRefused) {
  options_.json_path = dir_.string();
  EXPECT_EQ(report_paths_error(options_),
            "cannot write the report --json " + dir_.string() + ": it is a directory");
  options_.json_path = "";
  EXPECT_EQ(report_paths_error(options_), "cannot write the report --json : the path is empty");
}

}  // namespace
}  // namespace codeledger::bench
