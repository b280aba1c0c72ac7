// codeledgerd's configuration: a JSON file (or the embedded demo), then command-line flags on
// top. Everything is validated up front, before the store opens; an error names the file and
// the field.
//
// File shape (every field optional except where noted):
//   { "listen": "127.0.0.1:8080", "threads": 4, "data_dir": "./data",
//     "durability": {"mode": "sync" | "async" | "none", "fsync_interval_ms": 5,
//                    "snapshot_interval_ms": 300000, "preallocate": true, "sync_lanes": 1,
//                    "group_commit_wait_us": 300, "group_commit_quiet_us": 0,
//                    "group_commit_min_records": 8, "group_commit_spacing_us": 250,
//                    "retention_age_s": 0,
//                    "retention_bytes_max": 0},
//     "limits": {"body_bytes_max": 1048576, "header_bytes_max": 16384,
//                "read_timeout_ms": 10000, "idle_timeout_ms": 60000,
//                "connections_max": 10000, "pipeline_depth_max": 64,
//                "background_jobs_max": 16},
//     "auth": {"token_ttl_s": 3600, "tokens_max": 100000},
//     "rate_limits": {"auth_failures_per_minute": 60, "auth_failures_burst": 20},
//     "access_log": {"sample_rate": 0.0},
//     "organisations": [{"org_id": 100737 (required), "time_zone": "UTC",
//                        "redemption_strategy": "WITHOUT_CART_EVALUATION",
//                        "active_promotions_max": 1000, "codes_max": 10000000,
//                        "wallet_entries_max": 10000}],
//     "api_keys": [{"name": "demo" (required, 1-128 bytes), "org_id": 100737 (required),
//                   "scopes": ["read", "write", "admin"], "salt": "<hex>" (required),
//                   "secret_sha256": "<64 hex>" (required),
//                   "rate_limit_per_minute": 1000, "rate_limit_burst": 100}] }
// secret_sha256 = hex(SHA-256(salt bytes || md5hex(password))): plaintext never stored.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "ledger/types.h"
#include "wal/reader.h"
#include "wal/writer.h"

namespace codeledger::server {


struct HttpLimits {
  std::size_t body_bytes_max = 1 << 20;
  std::size_t header_bytes_max = 16 << 10;
  std::uint32_t read_timeout_ms = 10'000;   // first byte of a request to its last byte
  std::uint32_t idle_timeout_ms = 60'000;   // keep-alive connection waiting for a request
  std::size_t connections_max = 10'000;     // per server, over all threads
  // Requests answered back to back from bytes already buffered (pipelined) before the
  // connection is closed after the current answer: bounds the work one client can queue.
  std::size_t pipeline_depth_max = 64;
  // Bulk calls (generate, import, export: Lane::kBackground) queued or running on the
  // background thread; the next one is answered 503 with Retry-After.
  std::size_t background_jobs_max = 16;
};

struct OrgConfig {
  ledger::OrgId org = 0;
  ledger::OrgSettings settings;
};

// An API key's name is written into every log record its requests make: bounded like the
// ledger's other identifiers (LedgerLimits::identifier_bytes_max). Before, a 10,000-byte
// name made every record 10 KB (probe 36a). `ledgerctl keys add` has the same bound
// (tools/keys.cc), so a key it adds always loads.
inline constexpr std::size_t kApiKeyNameBytesMax = 128;

struct ApiKeyConfig {
  std::string name;  // 1..kApiKeyNameBytesMax bytes
  ledger::OrgId org = 0;
  std::uint8_t scopes = 0;        // bit set of Scope
  std::string salt_hex;
  std::string secret_sha256_hex;  // hex(SHA-256(salt || md5hex(password)))
  std::uint32_t rate_limit_per_minute = 1'000;
  std::uint32_t rate_limit_burst = 100;
};

struct Config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  unsigned threads = 0;           // 0 = one per hardware thread
  std::string data_dir = "./data";
  wal::Durability durability = wal::Durability::kSync;
  std::uint32_t fsync_interval_ms = 5;          // async: the longest an ack waits for disk
  std::uint32_t snapshot_interval_ms = 300'000;  // background snapshots; 0 = only on demand/stop
  // Zero-filled WAL segments overwritten in place (docs/wal-format.md); off for file systems
  // where rewriting in place gains nothing (copy-on-write: btrfs, ZFS) or for huge batches.
  bool wal_preallocate = true;
  // fdatasyncs in flight at once (wal/sync_lanes.h). 1: through HTTP with 64 connections, 2 lanes
  // answered 0.63-0.83x the requests of 1 (docs/benchmarks-history.md, session 3); 2 pays off for
  // bulk writers whose next batch does not wait for the previous one's acknowledgement.
  std::uint32_t wal_sync_lanes = 1;
  // sync, one lane: the longest a batch that follows a batch of at least min_records waits
  // for more before its fdatasync, and the quiet spell that ends the wait sooner
  // (wal::WalOptions::group_commit_*).
  std::uint32_t wal_group_commit_wait_us = wal::WalOptions{}.group_commit_wait_us;
  std::uint32_t wal_group_commit_quiet_us = wal::WalOptions{}.group_commit_quiet_us;
  std::uint32_t wal_group_commit_min_records = wal::WalOptions{}.group_commit_min_records;
  // sync, one lane: records that arrived during the last fdatasync keep the next one until
  // this long after the last one started (wal::WalOptions::group_commit_spacing_us).
  std::uint32_t wal_group_commit_spacing_us = wal::WalOptions{}.group_commit_spacing_us;
  // Which sealed log segments may be deleted (wal::RetentionPolicy): older than this many
  // seconds, and the oldest while the log is over this many bytes; 0 = no limit. Both 0 (the
  // default) keep every segment: the log is the audit trail. A segment holding a record
  // after the newest snapshot is never deleted.
  std::uint64_t wal_retention_age_s = 0;
  std::uint64_t wal_retention_bytes_max = 0;
  // kTruncateTail cuts a torn tail and refuses mid-log corruption; kPointInTime (operator
  // flag --point-in-time-recovery) keeps the longest valid prefix.
  wal::RecoveryPolicy recovery = wal::RecoveryPolicy::kTruncateTail;
  HttpLimits limits;
  std::uint32_t token_ttl_s = 3'600;
  std::size_t tokens_max = 100'000;
  // Failed authentication per client address (rate_limit.h): enough for a person mistyping
  // a password, far too few to make brute force or hashing floods worthwhile.
  std::uint32_t auth_failures_per_minute = 60;
  std::uint32_t auth_failures_burst = 20;
  double access_log_sample_rate = 0.0;  // fraction of requests logged to stderr; 0 = off
  std::vector<OrgConfig> organisations;
  std::vector<ApiKeyConfig> api_keys;
  bool demo = false;              // seed the demo data when the ledger is empty
};

// The io threads a server runs with: `threads`, or one per hardware thread when it is 0.
unsigned io_thread_count(const Config& config);

// The log's settings the config names (durability mode, fsync interval, preallocation,
// sync lanes, group commit, retention); the rest are WalOptions' defaults.
wal::WalOptions wal_options(const Config& config);

// Parses a config document; `source` names it in error messages (a path or "<embedded>").
// A key twice in one object is refused (naming its path), as in request bodies: first-wins
// would leave the later value unread and unvalidated.
Result<Config> parse_config(std::string_view json, std::string_view source);
// Reads a regular file (a directory, FIFO or device is refused without reading, so a FIFO
// cannot hang the start) and parses it; errors carry the system's reason (errno text).
Result<Config> load_config_file(const std::string& path);

// The embedded default: the demo organisation and the demo API key (server/capillary/demo.h),
// demo = true.
Config demo_config();

// "IP:PORT" (IPv6 as "[::1]:8080"). Port 0 asks for an ephemeral port. HOST must be an IP
// address (boost::asio::ip::make_address): host names are not resolved, so "localhost:8080"
// is refused here rather than by bind() once the store has recovered.
Status parse_listen(std::string_view text, std::string& host, std::uint16_t& port);

// Each flag may be given once (a repeated one is an error, not last-one-wins).
struct CommandLine {
  std::optional<std::string> listen, data_dir, config_path;
  std::optional<unsigned> threads;
  std::optional<std::string> durability;
  bool point_in_time_recovery = false;
  bool demo = false;
  bool help = false;
};
Result<CommandLine> parse_command_line(int argc, const char* const* argv);
std::string usage();

// Reads an environment variable; nullopt when unset or empty. Injected so tests need not
// touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> process_env(const char* name);

// The config file (--config, else CODELEDGER_CONFIG, else the embedded demo), then the
// environment (CODELEDGER_LISTEN, _DATA_DIR, _THREADS, _DURABILITY,
// _ACCESS_LOG_SAMPLE_RATE) over it, then the flags over both.
// "demo": true in the file and --demo do the same: seed the demo data, and add the demo
// organisation and key when the configuration lacks them.
Result<Config> resolve_config(const CommandLine& cli, const EnvLookup& env = process_env);

// The fields of `next` that differ from `running` and that a reload does not apply (all but
// api_keys and access_log.sample_rate): dotted paths such as "listen", "durability.mode",
// "organisations[0].time_zone", in the file's order. Empty when nothing but keys changed.
std::vector<std::string> fields_needing_restart(const Config& running, const Config& next);
// "demo" takes effect at start only (it seeds the ledger and adds the demo organisation), and
// so does the demo key it brings: while `next` turns the switch the other way, the key named
// like the demo key is kept as `running` had it (or left out when it had none), so a reload
// that names "demo" as needing a restart does not revoke or add that key meanwhile.
void keep_demo_key_as_started(const Config& running, Config& next);

}  // namespace codeledger::server
