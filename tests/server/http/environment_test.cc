// Configuration sources: file, then environment, then flags; the front door's config fields.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "server/http/config.h"

namespace codeledger::server {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::string write_config(const std::string& text) {
  const std::string path = ::testing::TempDir() + "env-test-config.json";
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigSources, EnvironmentAppliesOverTheFileAndFlagsOverTheEnvironment) {
  const std::string path = write_config(R"({"listen": "127.0.0.1:7000", "data_dir": "/file",
      "threads": 3, "access_log": {"sample_rate": 0.25},
      "rate_limits": {"auth_failures_per_minute": 30, "auth_failures_burst": 5}})");
  CommandLine cli;
  auto from_file = resolve_config(cli, fake_env({{"CODELEDGER_CONFIG", path}}));
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  EXPECT_EQ(from_file->listen_port, 7000);
  EXPECT_EQ(from_file->data_dir, "/file");
  EXPECT_DOUBLE_EQ(from_file->access_log_sample_rate, 0.25);
  EXPECT_EQ(from_file->auth_failures_per_minute, 30u);
  EXPECT_EQ(from_file->auth_failures_burst, 5u);

  const auto env = fake_env({{"CODELEDGER_CONFIG", path},
                             {"CODELEDGER_LISTEN", "127.0.0.1:7100"},
                             {"CODELEDGER_DATA_DIR", "/env"},
                             {"CODELEDGER_THREADS", "5"},
                             {"CODELEDGER_DURABILITY", "async"},
                             {"CODELEDGER_ACCESS_LOG_SAMPLE_RATE", "1"}});
  auto from_env = resolve_config(cli, env);
  ASSERT_TRUE(from_env.ok()) << from_env.status().message();
  EXPECT_EQ(from_env->listen_port, 7100);
  EXPECT_EQ(from_env->data_dir, "/env");
  EXPECT_EQ(from_env->threads, 5u);
  EXPECT_EQ(from_env->durability, wal::Durability::kAsync);
  EXPECT_DOUBLE_EQ(from_env->access_log_sample_rate, 1.0);

  cli.listen = "127.0.0.1:7200";
  cli.data_dir = "/flag";
  auto from_flags = resolve_config(cli, env);
  ASSERT_TRUE(from_flags.ok()) << from_flags.status().message();
  EXPECT_EQ(from_flags->listen_port, 7200);
  EXPECT_EQ(from_flags->data_dir, "/flag");
  EXPECT_EQ(from_flags->threads, 5u);
}

TEST(ConfigSources, BadEnvironmentValuesAreNamed) {
  CommandLine cli;
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"CODELEDGER_LISTEN", "nope"},
           {"CODELEDGER_THREADS", "0"},
           {"CODELEDGER_DURABILITY", "sometimes"},
           {"CODELEDGER_ACCESS_LOG_SAMPLE_RATE", "2"}}) {
    auto c = resolve_config(cli, fake_env({{name, value}}));
    ASSERT_FALSE(c.ok()) << name;
    EXPECT_NE(c.status().message().find(name), std::string::npos) << c.status().message();
  }
}

TEST(ConfigSources, FrontDoorFieldsAreValidated) {
  auto bad_rate = parse_config(R"({"access_log": {"sample_rate": 1.5}})", "t");
  ASSERT_FALSE(bad_rate.ok());
  EXPECT_NE(bad_rate.status().message().find("access_log.sample_rate"), std::string::npos);
  auto bad_limit = parse_config(R"({"rate_limits": {"auth_failures_burst": 0}})", "t");
  ASSERT_FALSE(bad_limit.ok());
  EXPECT_NE(bad_limit.status().message().find("rate_limits.auth_failures_burst"), std::string::npos);
  auto unknown = parse_config(R"({"rate_limits": {"per_second": 1}})", "t");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("rate_limits.per_second"), std::string::npos);
}

TEST(ConfigSources, HelpDocumentsEveryFlagAndVariable) {
  const std::string text = usage();
  for (const char* item : {"--listen", "--data-dir", "--config", "--threads", "--durability",
                           "--point-in-time-recovery", "--demo", "--help", "CODELEDGER_CONFIG",
                           "CODELEDGER_LISTEN", "CODELEDGER_DATA_DIR", "CODELEDGER_THREADS",
                           "CODELEDGER_DURABILITY", "CODELEDGER_ACCESS_LOG_SAMPLE_RATE", "SIGHUP"}) {
    EXPECT_NE(text.find(item), std::string::npos) << item;
  }
}

}  // namespace
}  // namespace codeledger::server
