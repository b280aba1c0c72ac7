// The config file's document-level errors: duplicate keys, numbers simdjson cannot read,
// syntax errors, what the path names (a directory, a FIFO, nothing), and the field rules
// that used to pass parsing and fail only once the store opened (or never).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <string>

#include "server/http/config.h"
#include "tests/support/scratch_dir.h"

namespace codeledger::server {
namespace {

std::string error_of(std::string_view json) {
  auto r = parse_config(json, "test.json");
  return r.ok() ? std::string() : r.status().message();
}

// The tests' files live here, removed when the tests end.
std::string temp_path(const std::string& name) {
  static const testing::ScratchDir dir("config-test");
  return dir.file(name);
}

// {"organisations": [{"org_id": 1}, ..., {"org_id": n}]}
std::string organisations(std::size_t n) {
  std::string json = R"({"organisations": [)";
  for (std::size_t i = 1; i <= n; ++i) json += (i > 1 ? "," : "") + std::string(R"({"org_id": )") + std::to_string(i) + "}";
  return json + "]}";
}

std::string key_named(std::string_view name) {
  return R"({"organisations": [{"org_id": 1}], "api_keys": [{"name": ")" + std::string(name) +
         R"(", "org_id": 1, "salt": "0011223344556677", "secret_sha256": ")" +
         std::string(64, 'a') + R"("}]})";
}

TEST(ConfigFile, ADuplicateKeyIsRefusedWithItsPathNotFirstWins) {
  EXPECT_EQ(error_of(R"({"durability": {"mode": "none"}, "durability": {"mode": "sync"}})"),
            "config test.json: field 'durability': given more than once in the same object");
  EXPECT_EQ(error_of(R"({"threads": 1, "threads": "x"})"),
            "config test.json: field 'threads': given more than once in the same object");
  EXPECT_EQ(error_of(R"({"limits": {"body_bytes_max": 5, "body_bytes_max": 0}})"),
            "config test.json: field 'limits.body_bytes_max': given more than once in the same object");
  EXPECT_NE(error_of(R"({"organisations": [{"org_id": 1, "time_zone": "UTC", "time_zone": "X"}]})")
                .find("'organisations[0].time_zone': given more than once"),
            std::string::npos);
}

TEST(ConfigFile, ANumberTooLargeForItsFieldNamesTheField) {
  EXPECT_EQ(error_of(R"({"threads": 1e30})"),
            "config test.json: field 'threads': must be an integer between 0 and 1024");
  EXPECT_EQ(error_of(R"({"limits": {"connections_max": 123456789012345678901234567890}})"),
            "config test.json: field 'limits.connections_max': not a number that can be read "
            "(malformed, or too large for any field) at byte 31");
  EXPECT_EQ(error_of(R"({"threads": "4"})"),
            "config test.json: field 'threads': must be an integer between 0 and 1024, got a string");
}

TEST(ConfigFile, SyntaxErrorsSayWhereTheDocumentWentWrong) {
  const std::string missing_comma = error_of(R"({"threads": 1 "data_dir": "x"})");
  EXPECT_NE(missing_comma.find("config test.json: not valid JSON after field 'threads' at byte 12: "),
            std::string::npos) << missing_comma;
  const std::string bad_value = error_of(R"({"limits": {"body_bytes_max": nope}})");
  EXPECT_NE(bad_value.find("not valid JSON in field 'limits.body_bytes_max' at byte 30"),
            std::string::npos) << bad_value;
  // Faults simdjson finds in its first pass (an unclosed string) have no place to report.
  EXPECT_NE(error_of(R"({"data_dir": "x)").find("config test.json: not valid JSON: "), std::string::npos);
  EXPECT_EQ(error_of(""), "config test.json: the file is empty (a JSON object is required)");
  // Deep nesting is refused with a message, not a stack overflow in the walk that looks for
  // the place (the fuzz target config_file found one at 3,400 levels).
  const std::string deep = error_of(R"({"x": )" + std::string(1'000'000, '[') + "}");
  EXPECT_NE(deep.find("config test.json: not valid JSON"), std::string::npos) << deep.substr(0, 300);
}

TEST(ConfigFile, FieldsThatUsedToFailOnlyAtTheStoreAreConfigErrors) {
  EXPECT_EQ(error_of(R"({"data_dir": ""})"),
            "config test.json: field 'data_dir': must not be empty (leave it out for ./data)");
  EXPECT_TRUE(parse_config(organisations(1024), "t").ok());
  EXPECT_EQ(error_of(organisations(1025)),
            "config test.json: field 'organisations': 1025 organisations; the ledger holds at "
            "most 1024 (organisations_max)");
}

// The rule ledgerctl keys add applies (server/crypto/api_key_name.h): no ':' and no control
// characters; spaces are allowed by both.
TEST(ConfigFile, KeyNamesFollowLedgerctlsRule) {
  const std::string rule =
      "must be non-empty, without ':' or control characters (bytes 0x00-0x1f, 0x7f; U+0080-U+009F, "
      "U+2028 and U+2029 in UTF-8)";
  EXPECT_EQ(error_of(key_named("a\\tb")), "config test.json: field 'api_keys[0].name': " + rule);
  EXPECT_EQ(error_of(key_named("a\\u007fb")), "config test.json: field 'api_keys[0].name': " + rule);
  EXPECT_EQ(error_of(key_named("a:b")), "config test.json: field 'api_keys[0].name': " + rule);
  EXPECT_EQ(error_of(key_named("a\\u0085b")), "config test.json: field 'api_keys[0].name': " + rule);
  EXPECT_EQ(error_of(key_named("")), "config test.json: field 'api_keys[0].name': " + rule);
  EXPECT_EQ(error_of(key_named("checkout eu")), "");
}

TEST(ConfigFile, ADirectoryIsRefusedAsOne) {
  const std::string dir = temp_path("config-dir");
  ::mkdir(dir.c_str(), 0700);
  auto r = load_config_file(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "config " + dir + ": is a directory, expected a JSON file");
}

// Opening a FIFO for reading waits for a writer: the start-up would hang for good.
TEST(ConfigFile, AFifoIsRefusedWithoutWaitingForAWriter) {
  const std::string fifo = temp_path("config-fifo");
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto loading = std::async(std::launch::async, [&] { return load_config_file(fifo); });
  const bool waited = loading.wait_for(std::chrono::seconds(10)) != std::future_status::ready;
  if (waited) ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));  // let the reader go
  EXPECT_FALSE(waited) << "load_config_file waited for a writer";
  auto r = loading.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "config " + fifo + ": is a FIFO, expected a JSON file");
  ::unlink(fifo.c_str());
}

// The system's reason, not just "cannot open" (as root, permission bits do not refuse, so
// the test takes a path through a regular file).
TEST(ConfigFile, AnUnopenableFileSaysWhy) {
  const std::string file = temp_path("config-plain.json");
  std::ofstream(file) << "{}";
  auto r = load_config_file(file + "/inner.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "config " + file + "/inner.json: cannot open file: Not a directory");
  auto missing = load_config_file("/nonexistent/codeledger.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "config /nonexistent/codeledger.json: cannot open file: No such file or directory");
}

}  // namespace
}  // namespace codeledger::server
