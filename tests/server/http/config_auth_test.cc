// Config parsing and validation, the command line, secret hashing and the auth object.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "server/capillary/demo.h"
#include "server/http/auth.h"
#include "server/http/config.h"
#include "server/http/crypto.h"
#include "tests/support/test_server.h"

namespace codeledger::server {
namespace {

using testing::kAliceRo;
using testing::kAliceRw;
using testing::kOrgA;

// How long 100,000 keys may take to read or reload, sanitizers included (see the tests).
constexpr std::chrono::seconds kManyKeysTimeMax{10};

std::string error_of(std::string_view json) {
  auto r = parse_config(json, "test.json");
  return r.ok() ? std::string() : r.status().message();
}

TEST(ConfigParsing, FullDocumentIsRead) {
  auto r = parse_config(R"({
    "listen": "0.0.0.0:9090", "threads": 3, "data_dir": "/var/lib/cl",
    "durability": {"mode": "async", "fsync_interval_ms": 7, "preallocate": false,
                   "sync_lanes": 3, "group_commit_wait_us": 0,
                   "group_commit_quiet_us": 25, "group_commit_min_records": 4,
                   "group_commit_spacing_us": 0, "retention_age_s": 604800, "retention_bytes_max": 10737418240},
    "limits": {"body_bytes_max": 2048, "header_bytes_max": 4096, "read_timeout_ms": 500,
               "idle_timeout_ms": 900, "connections_max": 10, "pipeline_depth_max": 4,
               "background_jobs_max": 3},
    "auth": {"token_ttl_s": 60, "tokens_max": 1000},
    "organisations": [{"org_id": 5, "time_zone": "Asia/Kolkata",
                       "redemption_strategy": "WITH_CART_EVALUATION", "active_promotions_max": 9,
                       "codes_max": 1099511627776, "wallet_entries_max": 1000000000}],
    "api_keys": [{"name": "k", "org_id": 5, "scopes": ["read", "admin"],
                  "salt": "00112233445566778899aabbccddeeff",
                  "secret_sha256": "d62f7b673c4a38d9082e1cedec2903d910a0d0b45781d0def6f1df79f20edc0e",
                  "rate_limit_per_minute": 50, "rate_limit_burst": 5}]})", "x");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Config& c = *r;
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9090);
  EXPECT_EQ(c.threads, 3u);
  EXPECT_EQ(c.durability, wal::Durability::kAsync);
  EXPECT_EQ(c.fsync_interval_ms, 7u);
  EXPECT_FALSE(c.wal_preallocate);
  EXPECT_TRUE(Config{}.wal_preallocate);
  EXPECT_EQ(c.wal_sync_lanes, 3u);
  EXPECT_EQ(Config{}.wal_sync_lanes, 1u);
  EXPECT_EQ(c.wal_group_commit_wait_us, 0u);
  EXPECT_EQ(Config{}.wal_group_commit_wait_us, 300u);
  EXPECT_EQ(c.wal_group_commit_quiet_us, 25u);
  EXPECT_EQ(Config{}.wal_group_commit_quiet_us, 0u);
  EXPECT_EQ(c.wal_group_commit_min_records, 4u);
  EXPECT_EQ(Config{}.wal_group_commit_min_records, 8u);
  EXPECT_EQ(c.wal_group_commit_spacing_us, 0u);
  EXPECT_EQ(Config{}.wal_group_commit_spacing_us, 250u);
  EXPECT_EQ(c.wal_retention_age_s, 604'800u);
  EXPECT_EQ(c.wal_retention_bytes_max, 10'737'418'240u);
  EXPECT_EQ(c.limits.body_bytes_max, 2048u);
  EXPECT_EQ(c.limits.pipeline_depth_max, 4u);
  EXPECT_EQ(c.limits.background_jobs_max, 3u);
  EXPECT_EQ(Config{}.limits.background_jobs_max, 16u);
  EXPECT_EQ(c.token_ttl_s, 60u);
  ASSERT_EQ(c.organisations.size(), 1u);
  EXPECT_EQ(c.organisations[0].settings.strategy, ledger::RedemptionStrategy::kWithCartEvaluation);
  EXPECT_EQ(c.organisations[0].settings.codes_max, 1ull << 40);
  EXPECT_EQ(ledger::OrgSettings{}.codes_max, 10'000'000u);
  EXPECT_EQ(c.organisations[0].settings.wallet_entries_max, 1'000'000'000u);
  EXPECT_EQ(ledger::OrgSettings{}.wallet_entries_max, 10'000u);
  ASSERT_EQ(c.api_keys.size(), 1u);
  EXPECT_EQ(c.api_keys[0].scopes, 5);
  EXPECT_EQ(c.api_keys[0].rate_limit_per_minute, 50u);
}

// The log's options come from the config, retention included; by default the log keeps
// every segment (the audit trail).
TEST(ConfigParsing, TheLogsOptionsComeFromTheConfigRetentionIncluded) {
  const wal::WalOptions defaults = wal_options(Config{});
  EXPECT_EQ(defaults.retention.age_ms_max, 0);
  EXPECT_EQ(defaults.retention.total_bytes_max, 0u);
  EXPECT_EQ(defaults.durability, wal::Durability::kSync);
  auto r = parse_config(R"({"durability": {"mode": "none", "fsync_interval_ms": 9, "sync_lanes": 2,
                            "preallocate": false, "group_commit_wait_us": 7,
                            "group_commit_quiet_us": 3, "group_commit_min_records": 5,
                            "group_commit_spacing_us": 11, "retention_age_s": 86400, "retention_bytes_max": 1048576}})", "x");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const wal::WalOptions o = wal_options(*r);
  EXPECT_EQ(o.durability, wal::Durability::kNone);
  EXPECT_EQ(o.fsync_interval_ms, 9u);
  EXPECT_EQ(o.sync_lanes, 2u);
  EXPECT_FALSE(o.preallocate);
  EXPECT_EQ(o.group_commit_wait_us, 7u);
  EXPECT_EQ(o.group_commit_quiet_us, 3u);
  EXPECT_EQ(o.group_commit_min_records, 5u);
  EXPECT_EQ(o.group_commit_spacing_us, 11u);
  EXPECT_EQ(o.retention.age_ms_max, 86'400'000);
  EXPECT_EQ(o.retention.total_bytes_max, 1'048'576u);
}

TEST(ConfigParsing, ErrorsNameTheFileAndTheField) {
  EXPECT_NE(error_of("{not json").find("test.json: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"limits": {"body_bytes_max": -1}})").find("'limits.body_bytes_max'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"limits": {"body_byte_max": 1}})").find("'limits.body_byte_max': unknown field"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"limits": {"background_jobs_max": 0}})").find("'limits.background_jobs_max'"),
            std::string::npos);
  const std::pair<const char*, const char*> durability_errors[] = {
      {R"({"durability": {"mode": "sometimes"}})", "durability.mode"},
      {R"({"durability": {"preallocate": "yes"}})", "durability.preallocate"},
      {R"({"durability": {"sync_lanes": 0}})", "durability.sync_lanes"},
      {R"({"durability": {"sync_lanes": 9}})", "durability.sync_lanes"},
      {R"({"durability": {"group_commit_wait_us": 1000001}})", "durability.group_commit_wait_us"},
      {R"({"durability": {"group_commit_wait_us": -1}})", "durability.group_commit_wait_us"},
      {R"({"durability": {"group_commit_quiet_us": 1000001}})", "durability.group_commit_quiet_us"},
      {R"({"durability": {"group_commit_min_records": 1}})", "durability.group_commit_min_records"},
      {R"({"durability": {"group_commit_spacing_us": 1000001}})", "durability.group_commit_spacing_us"},
      {R"({"durability": {"group_commit_spacing_us": 2.5}})", "durability.group_commit_spacing_us"},
      {R"({"durability": {"retention_age_s": -1}})", "durability.retention_age_s"},
      {R"({"durability": {"retention_age_s": 316224001}})", "durability.retention_age_s"},
      {R"({"durability": {"retention_bytes_max": 1125899906842625}})", "durability.retention_bytes_max"},
      {R"({"durability": {"retention_bytes_max": "10G"}})", "durability.retention_bytes_max"},
  };
  for (const auto& [json, field] : durability_errors) {
    EXPECT_NE(error_of(json).find(field), std::string::npos) << json;
  }
  EXPECT_NE(error_of(R"({"listen": "nowhere"})").find("'listen'"), std::string::npos);
  // An empty address is refused like any bad one, not read as "use the default port".
  EXPECT_NE(error_of(R"({"listen": ""})").find("'listen': expected IP:PORT, got ''"), std::string::npos)
      << error_of(R"({"listen": ""})");
  EXPECT_NE(error_of(R"({"organisations": [{"org_id": 1, "time_zone": "Mars/Olympus"}]})")
                .find("organisations[0].time_zone"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"organisations": [{"time_zone": "UTC"}]})").find("organisations[0].org_id': required"),
            std::string::npos);
  for (const char* codes_max : {"0", "1099511627777", "-1", "\"10M\""}) {
    EXPECT_NE(error_of(R"({"organisations": [{"org_id": 1, "codes_max": )" + std::string(codes_max) + "}]}")
                  .find("'organisations[0].codes_max': must be an integer between 1 and 1099511627776"),
              std::string::npos)
        << codes_max;
  }
}

// A document with `value` at `field`: "limits.x", "organisations[0].x" or "api_keys[0].x"
// (with the organisation and a valid key around it).
std::string document_with(std::string_view field, std::string_view value) {
  const std::string v(value);
  const auto dot = field.find('.');
  const std::string section(field.substr(0, dot)), name(field.substr(dot + 1));
  if (section == "organisations[0]") return R"({"organisations": [{"org_id": 1, ")" + name + "\": " + v + "}]}";
  if (section == "api_keys[0]") {
    return R"({"organisations": [{"org_id": 1}], "api_keys": [{"name": "k", "org_id": 1,
        "salt": "0011223344556677", "secret_sha256": ")" + std::string(64, 'a') + R"(", ")" + name + "\": " + v + "}]}";
  }
  return "{\"" + section + "\": {\"" + name + "\": " + v + "}}";
}

// operations.md's configuration table: each bounded field refuses one past either end, naming
// the field and the range the table gives, and takes both ends.
TEST(ConfigParsing, EveryBoundedFieldRefusesOnePastItsDocumentedRange) {
  struct Range {
    const char* field;
    std::uint64_t lo, hi;
  };
  const Range ranges[] = {
      {"limits.body_bytes_max", 1, 1073741824},
      {"limits.header_bytes_max", 256, 1048576},
      {"limits.read_timeout_ms", 1, 3600000},
      {"limits.idle_timeout_ms", 1, 86400000},
      {"limits.connections_max", 1, 10000000},
      {"limits.pipeline_depth_max", 1, 1000000},
      {"limits.background_jobs_max", 1, 1000000},
      {"durability.fsync_interval_ms", 1, 60000},
      {"durability.snapshot_interval_ms", 0, 86400000},
      {"auth.token_ttl_s", 1, 604800},
      {"auth.tokens_max", 1, 100000000},
      {"rate_limits.auth_failures_per_minute", 1, 4294967295},
      {"rate_limits.auth_failures_burst", 1, 4294967295},
      {"organisations[0].active_promotions_max", 1, 4294967295},
      {"organisations[0].wallet_entries_max", 1, 1000000000},
      {"api_keys[0].rate_limit_per_minute", 1, 4294967295},
      {"api_keys[0].rate_limit_burst", 1, 4294967295},
  };
  for (const Range& r : ranges) {
    const std::string refused = "'" + std::string(r.field) + "': must be an integer between " +
                                std::to_string(r.lo) + " and " + std::to_string(r.hi);
    const std::string below = r.lo == 0 ? "-1" : std::to_string(r.lo - 1);
    for (const std::string& v : {below, std::to_string(r.hi + 1)}) {
      EXPECT_NE(error_of(document_with(r.field, v)).find(refused), std::string::npos)
          << r.field << " = " << v << ": " << error_of(document_with(r.field, v));
    }
    for (const std::uint64_t v : {r.lo, r.hi}) {
      EXPECT_EQ(error_of(document_with(r.field, std::to_string(v))), "") << r.field << " = " << v;
    }
  }
  EXPECT_NE(error_of(R"({"threads": 1025})").find("'threads': must be an integer between 0 and 1024"),
            std::string::npos);
}

// The other rules of the table, each refused with its field named.
TEST(ConfigParsing, FieldsOutsideTheirDocumentedRulesAreRefusedByName) {
  const std::pair<std::string, const char*> refused[] = {
      {R"({"demo": 1})", "'demo': expected true or false"},
      {R"({"limits": 5})", "'limits': expected an object"},
      {R"({"access_log": {"sample_rate": 1.5}})", "'access_log.sample_rate': expected a number from 0 to 1"},
      {R"({"organisations": [{"org_id": 0}]})", "'organisations[0].org_id': must be an integer between 1"},
      {document_with("organisations[0].redemption_strategy", R"("SOMETIMES")"),
       "'organisations[0].redemption_strategy': expected WITHOUT_CART_EVALUATION or WITH_CART_EVALUATION"},
      {R"({"organisations": [{"org_id": 1}, {"org_id": 1}]})", "'organisations[1].org_id': duplicate organisation"},
      {R"({"organisations": [{"org_id": 1}], "api_keys": [{"name": "k", "org_id": 1, "salt": "00112233",
          "secret_sha256": ")" + std::string(64, 'a') + R"("}]})",
       "'api_keys[0].salt': expected an even number of hex characters, at least 16 (8 or more bytes)"},
      // 17 digits: at least 16, but not whole bytes.
      {R"({"organisations": [{"org_id": 1}], "api_keys": [{"name": "k", "org_id": 1, "salt": "00112233445566778",
          "secret_sha256": ")" + std::string(64, 'a') + R"("}]})",
       "'api_keys[0].salt': expected an even number of hex characters, at least 16 (8 or more bytes)"},
      {R"({"organisations": [{"org_id": 1}], "api_keys": [{"name": "k", "org_id": 1, "salt": "0011223344556677",
          "secret_sha256": ")" + std::string(64, 'a') + R"("}, {"name": "k", "org_id": 1,
          "salt": "0011223344556677", "secret_sha256": ")" + std::string(64, 'a') + R"("}]})",
       "'api_keys[1].name': duplicate key name"},
  };
  for (const auto& [json, message] : refused) {
    EXPECT_NE(error_of(json).find(message), std::string::npos) << json << "\n" << error_of(json);
  }
}

TEST(ConfigParsing, ApiKeysNeedHashedSecretsAndAKnownOrganisation) {
  const std::string org = R"("organisations": [{"org_id": 1}])";
  EXPECT_NE(error_of("{" + org + R"(, "api_keys": [{"name": "k", "org_id": 1, "salt": "0011223344556677",
      "secret": "plain"}]})").find("api_keys[0].secret': unknown field"), std::string::npos);
  EXPECT_NE(error_of("{" + org + R"(, "api_keys": [{"name": "k", "org_id": 1, "salt": "0011223344556677",
      "secret_sha256": "abc"}]})").find("api_keys[0].secret_sha256"), std::string::npos);
  EXPECT_NE(error_of("{" + org + R"(, "api_keys": [{"name": "k", "org_id": 2, "salt": "0011223344556677",
      "secret_sha256": ")" + std::string(64, 'a') + R"("}]})").find("no such organisation"), std::string::npos);
  EXPECT_NE(error_of("{" + org + R"(, "api_keys": [{"name": "k", "org_id": 1, "salt": "0011223344556677",
      "scopes": ["root"], "secret_sha256": ")" + std::string(64, 'a') + R"("}]})").find("unknown scope"),
            std::string::npos);
}

// A document with one key named `name` (its organisation, salt and hash valid).
std::string one_key_named(const std::string& name) {
  return R"({"organisations": [{"org_id": 1}], "api_keys": [{"name": ")" + name +
         R"(", "org_id": 1, "salt": "0011223344556677", "secret_sha256": ")" + std::string(64, 'a') +
         R"("}]})";
}

// A key's name is written into every log record its requests make (probe 36a: a 10,000-byte
// name made each record 10 KB): at most 128 bytes, counted in bytes, like the ledger's other
// identifiers; refused naming the field and the limit.
TEST(ConfigParsing, AKeyNameOver128BytesIsRefusedNamingTheFieldAndTheLimit) {
  const auto longest = parse_config(one_key_named(std::string(128, 'k')), "test.json");
  ASSERT_TRUE(longest.ok()) << longest.status().message();
  EXPECT_EQ(longest->api_keys[0].name, std::string(128, 'k'));
  EXPECT_EQ(error_of(one_key_named(std::string(129, 'k'))),
            "config test.json: field 'api_keys[0].name': must be at most 128 bytes, got 129 (the "
            "name is written into every log record)");
  std::string u_umlauts;  // 65 x U+00FC: 65 characters, 130 bytes in UTF-8
  for (int i = 0; i < 65; ++i) u_umlauts += "\xC3\xBC";
  EXPECT_NE(error_of(one_key_named(u_umlauts)).find("'api_keys[0].name': must be at most 128 bytes, got 130"),
            std::string::npos)
      << error_of(one_key_named(u_umlauts));
}

// A config of `keys` keys named k0, k1, ... in one organisation.
std::string document_with_keys(std::size_t keys) {
  std::string json = R"({"organisations": [{"org_id": 1}], "api_keys": [)";
  for (std::size_t i = 0; i < keys; ++i) {
    json += i == 0 ? "" : ",";
    json += R"({"name": "k)" + std::to_string(i) +
            R"(", "org_id": 1, "salt": "0011223344556677", "secret_sha256": ")" +
            std::string(64, 'a') + "\"}";
  }
  return json + "]}";
}

// The duplicate-name check and the organisation check scanned the keys read so far: 50,000
// keys took 12 s to start and 21 s to reload (probe 36a). The limit is far above what reading
// 100,000 keys takes (about a second under the sanitizers) and far below the scans' 5 x 10^9
// name comparisons.
TEST(ConfigParsing, AHundredThousandKeysAreReadWithoutAScanPerKey) {
  const std::string json = document_with_keys(100'000);
  const auto start = std::chrono::steady_clock::now();
  const auto config = parse_config(json, "test.json");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->api_keys.size(), 100'000u);
  EXPECT_LT(took, kManyKeysTimeMax) << std::chrono::duration<double>(took).count() << " s";
}

TEST(ConfigParsing, MissingFileIsAClearError) {
  auto r = load_config_file("/nonexistent/codeledger.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/codeledger.json: cannot open"), std::string::npos);
}

TEST(CommandLine, FlagsOverrideTheEmbeddedDemo) {
  const char* argv[] = {"codeledgerd", "--listen", "127.0.0.1:0", "--threads=3", "--data-dir", "/tmp/d"};
  auto cli = parse_command_line(6, argv);
  ASSERT_TRUE(cli.ok());
  auto c = resolve_config(*cli);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->demo);
  EXPECT_EQ(c->listen_port, 0);
  EXPECT_EQ(c->threads, 3u);
  EXPECT_EQ(c->data_dir, "/tmp/d");
  ASSERT_EQ(c->api_keys.size(), 1u);
}

TEST(CommandLine, BadFlagsAreRejected) {
  const char* a1[] = {"codeledgerd", "--bogus"};
  EXPECT_FALSE(parse_command_line(2, a1).ok());
  const char* a2[] = {"codeledgerd", "--threads", "0"};
  EXPECT_FALSE(parse_command_line(3, a2).ok());
  const char* a3[] = {"codeledgerd", "--listen"};
  EXPECT_FALSE(parse_command_line(2, a3).ok());
  EXPECT_NE(usage().find("--data-dir"), std::string::npos);
}

// SipHash-2-4's reference vectors (Aumasson and Bernstein): key 00..0f, messages 00..n-1.
TEST(SecretHashing, SipHashMatchesTheReferenceVectors) {
  std::string key;
  for (int i = 0; i < 16; ++i) key += static_cast<char>(i);
  EXPECT_EQ(crypto::siphash64(key, ""), 0x726fdb47dd0e0e31ull);
  EXPECT_EQ(crypto::siphash64(key, std::string_view("\0", 1)), 0x74f839c593dc67fdull);
  std::string fifteen;
  for (int i = 0; i < 15; ++i) fifteen += static_cast<char>(i);
  EXPECT_EQ(crypto::siphash64(key, fifteen), 0xa129ca6149be45e5ull);
}

TEST(SecretHashing, KnownVectors) {
  EXPECT_EQ(md5_hex("demo-secret").size(), 32u);
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string salt;
  ASSERT_TRUE(from_hex("9f1c2a7be04d4c58a1e3f6b2d8c07a15", salt));
  EXPECT_EQ(salted_secret_hash(salt, md5_hex("ledger-demo-2025")),
            "d62f7b673c4a38d9082e1cedec2903d910a0d0b45781d0def6f1df79f20edc0e");
  // The fixed-buffer form each request uses hashes the same bytes.
  const crypto::Sha256Hex chars = crypto::salted_secret_hash_chars(salt, md5_hex("ledger-demo-2025"));
  EXPECT_EQ(std::string_view(chars.data(), chars.size()),
            "d62f7b673c4a38d9082e1cedec2903d910a0d0b45781d0def6f1df79f20edc0e");
}

// Each thread reuses one digest context and the digests are fetched once: interleaved MD5
// and SHA-256 on two threads must still give the known answers every time.
TEST(SecretHashing, ThreadsReusingTheirContextsStayCorrect) {
  auto hash_many = [] {
    int wrong = 0;
    for (int i = 0; i < 2000; ++i) {
      wrong += md5_hex("") != "d41d8cd98f00b204e9800998ecf8427e";
      wrong += sha256_hex("abc") != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    }
    return wrong;
  };
  int other_wrong = -1;
  std::thread other([&] { other_wrong = hash_many(); });
  const int here_wrong = hash_many();
  other.join();
  EXPECT_EQ(here_wrong, 0);
  EXPECT_EQ(other_wrong, 0);
}

TEST(SecretHashing, ConstantTimeCompareChecksEveryByte) {
  EXPECT_TRUE(constant_time_equal("abcdef", "abcdef"));
  EXPECT_FALSE(constant_time_equal("abcdef", "abcdeg"));
  EXPECT_FALSE(constant_time_equal("xbcdef", "abcdef"));
  EXPECT_FALSE(constant_time_equal("abc", "abcdef"));
}

TEST(SecretHashing, DemoConfigStoresOnlyTheSaltedHash) {
  const Config c = demo_config();
  ASSERT_EQ(c.api_keys.size(), 1u);
  EXPECT_EQ(c.api_keys[0].secret_sha256_hex.find(std::string(capillary::kDemoPassword)), std::string::npos);
  Auth auth(c);
  auto caller = auth.check_key(capillary::kDemoKeyName, md5_hex(capillary::kDemoPassword));
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->org, capillary::kDemoOrgId);
}

struct FakeClock {
  ledger::TimeMs now = 1'700'000'000'000;
  Clock fn() { return [this] { return now; }; }
};

TEST(AuthBasic, GoodBadAndMissingCredentials) {
  Auth auth(testing::test_config());
  auto ok = auth.authenticate(testing::basic_auth(kAliceRw.name, kAliceRw.password));
  ASSERT_TRUE(ok.caller);
  EXPECT_EQ(ok.caller->org, kOrgA);
  EXPECT_EQ(ok.caller->key_name, "alice-rw");
  EXPECT_FALSE(auth.authenticate(testing::basic_auth(kAliceRw.name, "wrong")).caller);
  EXPECT_FALSE(auth.authenticate(testing::basic_auth("nobody", kAliceRw.password)).caller);
  EXPECT_FALSE(auth.authenticate("").caller);
  EXPECT_FALSE(auth.authenticate("Basic !!!notbase64").caller);
  // Plain password instead of md5hex: refused, Capillary clients send the digest.
  EXPECT_FALSE(auth.authenticate("Basic " + base64_encode("alice-rw:alice-secret")).caller);
  // Scheme is case-insensitive, digest hex may be uppercase.
  std::string upper = md5_hex(kAliceRw.password);
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(ch));
  EXPECT_TRUE(auth.authenticate("basic " + base64_encode("alice-rw:" + upper)).caller);
  EXPECT_TRUE(auth.authenticate("BASIC " + base64_encode("alice-rw:" + upper)).caller);
  EXPECT_FALSE(auth.authenticate("Basi").caller);  // shorter than the scheme: no match, no read past it
}

// Credentials decode into a stack buffer up to 256 bytes and onto the heap beyond: a long key
// name is refused with the usual answer, and a right password still needs the right key.
TEST(AuthBasic, LongCredentialsAreCheckedLikeShortOnes) {
  Auth auth(testing::test_config());
  const std::string digest = md5_hex(kAliceRw.password);
  const std::string long_name(400, 'k');
  auto refused = auth.authenticate("Basic " + base64_encode(long_name + ":" + digest));
  EXPECT_FALSE(refused.caller);
  EXPECT_EQ(refused.error, "invalid API key or password");
  const std::string padded_name = "alice-rw" + std::string(300, ' ');
  EXPECT_FALSE(auth.authenticate("Basic " + base64_encode(padded_name + ":" + digest)).caller);
  // 31 and 33 hex characters are not an md5 digest.
  EXPECT_FALSE(auth.check_key(kAliceRw.name, digest.substr(1)));
  EXPECT_FALSE(auth.check_key(kAliceRw.name, digest + "0"));
  EXPECT_TRUE(auth.check_key(kAliceRw.name, digest));
}

// A connection's memo answers for the header it accepted, never for another one, and a key
// reload empties it: a revoked key or changed scopes take effect on the next request.
TEST(AuthMemo, RemembersOnlyAcceptedHeadersUntilTheKeysReload) {
  Config c = testing::test_config();
  Auth auth(c);
  AuthMemo memo;
  const std::string good = testing::basic_auth(kAliceRw.name, kAliceRw.password);
  EXPECT_FALSE(auth.authenticate(testing::basic_auth(kAliceRw.name, "wrong"), &memo).caller);
  EXPECT_EQ(memo.generation, 0u) << "a refused header is not remembered";
  ASSERT_TRUE(auth.authenticate(good, &memo).caller);
  EXPECT_EQ(memo.authorization, good);
  EXPECT_EQ(memo.caller.key_name, "alice-rw");
  // Another header on the same connection is checked in full, not answered from the memo.
  EXPECT_FALSE(auth.authenticate(testing::basic_auth(kAliceRw.name, "wrong"), &memo).caller);
  const auto ro = auth.authenticate(testing::basic_auth(kAliceRo.name, kAliceRo.password), &memo);
  ASSERT_TRUE(ro.caller);
  EXPECT_EQ(ro.caller->key_name, kAliceRo.name);
  ASSERT_TRUE(auth.authenticate(good, &memo).caller);

  // Same key, fewer scopes: the remembered header answers with the new ones.
  const auto it = std::find_if(c.api_keys.begin(), c.api_keys.end(),
                               [](const ApiKeyConfig& k) { return k.name == kAliceRw.name; });
  ASSERT_NE(it, c.api_keys.end());
  const std::uint8_t before = memo.caller.scopes;
  it->scopes = static_cast<std::uint8_t>(Scope::kRead);
  ASSERT_NE(before, it->scopes);
  auth.reload_keys(c);
  const auto rescoped = auth.authenticate(good, &memo);
  ASSERT_TRUE(rescoped.caller);
  EXPECT_EQ(rescoped.caller->scopes, it->scopes);

  // Key revoked: the remembered header stops working at once.
  c.api_keys.erase(it);
  auth.reload_keys(c);
  const auto revoked = auth.authenticate(good, &memo);
  EXPECT_FALSE(revoked.caller);
  EXPECT_EQ(revoked.error, "invalid API key or password");
}

TEST(AuthBearer, TokenIsIssuedUsedAndExpires) {
  FakeClock clock;
  Config c = testing::test_config();
  c.token_ttl_s = 60;
  Auth auth(c, clock.fn());
  EXPECT_FALSE(auth.generate_token(kAliceRo.name, "wrong"));
  auto token = auth.generate_token(kAliceRo.name, kAliceRo.password);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->expires_in_s, 60u);
  EXPECT_EQ(token->access_token.size(), 64u);
  auto by_md5 = auth.generate_token(kAliceRo.name, md5_hex(kAliceRo.password));
  ASSERT_TRUE(by_md5);
  EXPECT_NE(by_md5->access_token, token->access_token);
  auto r = auth.authenticate("Bearer " + token->access_token);
  ASSERT_TRUE(r.caller);
  EXPECT_EQ(r.caller->scopes, 1);
  clock.now += 60'000;
  EXPECT_FALSE(auth.authenticate("Bearer " + token->access_token).caller);
  EXPECT_FALSE(auth.authenticate_token("garbage"));
  EXPECT_FALSE(auth.authenticate_token(std::string(64, 'a')));
}

TEST(AuthBearer, TokenStoreIsBoundedByTokensMax) {
  Config c = testing::test_config();
  c.tokens_max = 32;
  Auth auth(c);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(auth.generate_token(kAliceRw.name, kAliceRw.password));
  EXPECT_LE(auth.token_count(), 32u);
}

}  // namespace
}  // namespace codeledger::server
