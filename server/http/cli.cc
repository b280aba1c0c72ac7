// Command line and listen-address parsing (declared in config.h).
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <set>
#include <string>

#include "ledger/ledger.h"
#include "server/http/config.h"

namespace codeledger::server {
namespace {

Status bad_flag(std::string_view flag, std::string_view what) {
  return {ErrorCode::kInvalidRequest, std::string(flag) + ": " + std::string(what)};
}

// Accepts "--name value" and "--name=value".
bool take_value(std::string_view arg, std::string_view name, int& i, int argc,
                const char* const* argv, std::optional<std::string>& out, Status& error) {
  if (arg == name) {
    if (i + 1 >= argc) {
      error = bad_flag(name, "missing value");
      return true;
    }
    out = argv[++i];
    return true;
  }
  if (arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=') {
    out = std::string(arg.substr(name.size() + 1));
    return true;
  }
  return false;
}

// The I/O thread count of --threads and CODELEDGER_THREADS, or nothing when text is not an
// integer 1..1024.
std::optional<unsigned> parse_threads(std::string_view text) {
  unsigned n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr != text.data() + text.size() || n < 1 || n > 1024) return std::nullopt;
  return n;
}

constexpr std::string_view kThreadsExpected = "expected an integer 1..1024";

// The flag's name without "=value" ("--listen=x" -> "--listen").
std::string_view flag_name(std::string_view arg) { return arg.substr(0, arg.find('=')); }

// Splits "HOST:PORT" or "[IPV6]:PORT"; false when there is no such shape.
bool split_host_port(std::string_view text, std::string_view& host, std::string_view& port) {
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    return true;
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  host = text.substr(0, colon);
  port = text.substr(colon + 1);
  return true;
}

// The listener binds exactly this address: a host name would need a resolver (and could
// name several addresses), so only an IP address is accepted, IPv6 in brackets so that its
// colons are not read as the port's.
Status check_listen_host(std::string_view text, std::string_view host) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  const bool bracketed = text.starts_with('[');
  if (ec || address.is_v6() != bracketed) {
    return {ErrorCode::kInvalidRequest,
            "expected IP:PORT (an IPv4 address, or an IPv6 address in brackets such as "
            "[::1]:8080; host names are not resolved), got '" + std::string(text) + "'"};
  }
  return {};
}

}  // namespace

Status parse_listen(std::string_view text, std::string& host, std::uint16_t& port) {
  std::string_view h, p;
  if (!split_host_port(text, h, p)) {
    return {ErrorCode::kInvalidRequest, "expected IP:PORT, got '" + std::string(text) + "'"};
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || value > 65535) {
    return {ErrorCode::kInvalidRequest, "expected IP:PORT with a port 0..65535, got '" +
                                            std::string(text) + "'"};
  }
  if (Status st = check_listen_host(text, h); !st.ok()) return st;
  host.assign(h);
  port = static_cast<std::uint16_t>(value);
  return {};
}

namespace {

// One flag of argv[i] into cli (advancing i past a separate value).
Status take_flag(int& i, int argc, const char* const* argv, CommandLine& cli) {
  const std::string_view arg = argv[i];
  Status error;
  std::optional<std::string> threads;
  if (arg == "--help" || arg == "-h") {
    cli.help = true;
  } else if (arg == "--demo") {
    cli.demo = true;
  } else if (arg == "--point-in-time-recovery") {
    cli.point_in_time_recovery = true;
  } else if (take_value(arg, "--listen", i, argc, argv, cli.listen, error) ||
             take_value(arg, "--config", i, argc, argv, cli.config_path, error) ||
             take_value(arg, "--durability", i, argc, argv, cli.durability, error)) {
  } else if (take_value(arg, "--data-dir", i, argc, argv, cli.data_dir, error)) {
    if (error.ok() && cli.data_dir->empty()) error = bad_flag("--data-dir", "must not be empty");
  } else if (take_value(arg, "--threads", i, argc, argv, threads, error)) {
    if (error.ok()) {
      const auto n = parse_threads(*threads);
      if (n) cli.threads = *n; else error = bad_flag("--threads", kThreadsExpected);
    }
  } else {
    error = bad_flag(arg, "unknown option (see --help)");
  }
  return error;
}

}  // namespace

Result<CommandLine> parse_command_line(int argc, const char* const* argv) {
  CommandLine cli;
  std::set<std::string_view> seen;
  for (int i = 1; i < argc; ++i) {
    // Last-one-wins would silently drop a value (`--data-dir a --data-dir b`), as ledgerctl
    // refuses too.
    std::string_view name = flag_name(argv[i]);
    if (name == "-h") name = "--help";
    if (!seen.insert(name).second) return bad_flag(name, "given more than once");
    if (Status st = take_flag(i, argc, argv, cli); !st.ok()) return st;
  }
  // Checked here, not first when the store has recovered: a bad address is a usage error.
  if (cli.listen) {
    std::string host;
    std::uint16_t port = 0;
    if (Status st = parse_listen(*cli.listen, host, port); !st.ok()) return bad_flag("--listen", st.message());
  }
  return cli;
}

std::string usage() {
  return R"(codeledgerd: in-memory, durable promotion-code ledger (Capillary and Altcraft APIs)

Usage: codeledgerd [--listen IP:PORT] [--data-dir DIR] [--config FILE] [--threads N] [--demo]
                   [--durability sync|async|none] [--point-in-time-recovery]

Each flag may be given once, as --flag value or --flag=value.

  --listen IP:PORT    address to serve HTTP on (default 127.0.0.1:8080; [::1]:8080 for IPv6;
                      port 0 picks a free port). An IP address: host names are not resolved.
                      Overrides the config file's "listen".
  --data-dir DIR      directory for the write-ahead log and snapshots (default ./data).
                      Overrides the config file's "data_dir".
  --config FILE       JSON configuration: organisations, API keys (salted SHA-256 secrets
                      only), limits, durability. Without it the embedded demo configuration
                      is used: organisation 100737 and API key "demo" (password printed at
                      start), and the demo promotions are seeded into an empty ledger.
  --threads N         I/O threads, each with its own acceptor on the port (default: one per
                      hardware thread). Overrides the config file's "threads".
  --demo              seed the demo promotions, adding the demo organisation and key when
                      the config lacks them, even with --config (as "demo": true does).
  --durability MODE   sync (default: answer after fdatasync), async (answer at once, fsync
                      at least every fsync_interval_ms) or none (no fsync). Overrides the
                      config file's "durability.mode".
  --point-in-time-recovery
                      start even when the WAL is corrupt before its tail: keep the longest
                      valid prefix and report what was dropped (later segments are renamed
                      *.dropped, not deleted). Without it such a log refuses to start.
  --help              this text.

Environment (applied over the config file; flags apply over the environment; unset or
empty variables are ignored):
  CODELEDGER_CONFIG                  config file when --config is not given
  CODELEDGER_LISTEN                  IP:PORT, as --listen
  CODELEDGER_DATA_DIR                as --data-dir
  CODELEDGER_THREADS                 as --threads
  CODELEDGER_DURABILITY              sync, async or none, as --durability
  CODELEDGER_ACCESS_LOG_SAMPLE_RATE  0..1: fraction of requests logged to stderr
                                     (config "access_log": {"sample_rate": 0.0}, default off)

Signals: SIGTERM/SIGINT stop gracefully (stop accepting, finish in-flight requests, final
fsync and snapshot); during start-up they stop it before it serves (a log replay stops at
its next batch of 512 records or 65,536 codes); a second one during the stop is logged and changes nothing. SIGHUP
reloads API keys and rate limits from the config file without dropping connections (as POST
/admin/reload); before serving it is logged and ignored. Signal messages go to stderr.
SIGPIPE is ignored: a reader of stdout or stderr that goes away does not end the server. Every
config field, limit and metric is in docs/operations.md.

Exit codes: 0 clean shutdown (SIGTERM/SIGINT, also during start-up), 1 runtime failure,
2 bad flags or config (checked before the data directory is opened), 3 out of memory while
applying a write already in the log (restart it: the next start replays the log).
)";
}

std::optional<std::string> process_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

namespace {

// The environment over the file: each variable is validated like its flag and named in
// the error.
Status apply_environment(const EnvLookup& env, Config& config) {
  if (auto v = env("CODELEDGER_LISTEN")) {
    Status st = parse_listen(*v, config.listen_host, config.listen_port);
    if (!st.ok()) return bad_flag("CODELEDGER_LISTEN", st.message());
  }
  if (auto v = env("CODELEDGER_DATA_DIR")) config.data_dir = *v;
  if (auto v = env("CODELEDGER_THREADS")) {
    const auto n = parse_threads(*v);
    if (!n) return bad_flag("CODELEDGER_THREADS", kThreadsExpected);
    config.threads = *n;
  }
  if (auto v = env("CODELEDGER_DURABILITY")) {
    const auto mode = wal::parse_durability(*v);
    if (!mode) return bad_flag("CODELEDGER_DURABILITY", "expected sync, async or none");
    config.durability = *mode;
  }
  if (auto v = env("CODELEDGER_ACCESS_LOG_SAMPLE_RATE")) {
    // from_chars, not strtod: decimal text only, as the config file takes (strtod let
    // " 0.5" and the hex float "0x0.8" through; probe 33).
    double rate = -1;
    const char* end = v->data() + v->size();
    const auto parsed = std::from_chars(v->data(), end, rate);
    if (parsed.ec != std::errc() || parsed.ptr != end || !(rate >= 0 && rate <= 1)) {
      return bad_flag("CODELEDGER_ACCESS_LOG_SAMPLE_RATE", "expected a number from 0 to 1");
    }
    config.access_log_sample_rate = rate;
  }
  return {};
}

}  // namespace

namespace {

// "demo": true in the file and --demo are one switch with one effect: the demo data is
// seeded, and the demo organisation and key are added when the configuration lacks them,
// so the curl lines printed at start work either way. An organisation or key of the same
// id or name in the file is left as the file has it.
Status add_demo_tenant(Config& config) {
  const Config demo = demo_config();
  const OrgConfig& demo_org = demo.organisations.front();
  const ApiKeyConfig& demo_key = demo.api_keys.front();
  const bool has_org = std::any_of(config.organisations.begin(), config.organisations.end(),
                                   [&](const OrgConfig& o) { return o.org == demo_org.org; });
  if (!has_org) {
    const std::size_t orgs_max = ledger::LedgerLimits{}.organisations_max;
    if (config.organisations.size() >= orgs_max) {
      return {ErrorCode::kInvalidRequest,
              "demo: the demo organisation " + std::to_string(demo_org.org) + " would be one more "
              "than organisations_max (" + std::to_string(orgs_max) + ")"};
    }
    config.organisations.push_back(demo_org);
  }
  const bool has_key = std::any_of(config.api_keys.begin(), config.api_keys.end(),
                                   [&](const ApiKeyConfig& k) { return k.name == demo_key.name; });
  if (!has_key) config.api_keys.push_back(demo_key);
  return {};
}

// The flags over the file and the environment (--listen was checked by parse_command_line).
Status apply_flags(const CommandLine& cli, Config& config) {
  if (cli.listen) {
    Status st = parse_listen(*cli.listen, config.listen_host, config.listen_port);
    if (!st.ok()) return bad_flag("--listen", st.message());
  }
  if (cli.data_dir) config.data_dir = *cli.data_dir;
  if (cli.threads) config.threads = *cli.threads;
  if (cli.durability) {
    const auto mode = wal::parse_durability(*cli.durability);
    if (!mode) return bad_flag("--durability", "expected sync, async or none");
    config.durability = *mode;
  }
  if (cli.point_in_time_recovery) config.recovery = wal::RecoveryPolicy::kPointInTime;
  return {};
}

}  // namespace

Result<Config> resolve_config(const CommandLine& cli, const EnvLookup& env) {
  Config config;
  std::optional<std::string> config_path = cli.config_path;
  if (!config_path) config_path = env("CODELEDGER_CONFIG");
  if (config_path) {
    Result<Config> loaded = load_config_file(*config_path);
    if (!loaded.ok()) return loaded.status();
    config = std::move(loaded).value();
  } else {
    config = demo_config();
  }
  config.demo = config.demo || cli.demo;
  if (config.demo) {
    if (Status st = add_demo_tenant(config); !st.ok()) return st;
  }
  if (Status st = apply_environment(env, config); !st.ok()) return st;
  if (Status st = apply_flags(cli, config); !st.ok()) return st;
  return config;
}

namespace {

using NoteChange = std::function<void(std::string field, bool differs)>;

void note_durability_changes(const Config& a, const Config& b, const NoteChange& note) {
  note("durability.mode", a.durability != b.durability);
  note("durability.fsync_interval_ms", a.fsync_interval_ms != b.fsync_interval_ms);
  note("durability.snapshot_interval_ms", a.snapshot_interval_ms != b.snapshot_interval_ms);
  note("durability.preallocate", a.wal_preallocate != b.wal_preallocate);
  note("durability.sync_lanes", a.wal_sync_lanes != b.wal_sync_lanes);
  note("durability.group_commit_wait_us", a.wal_group_commit_wait_us != b.wal_group_commit_wait_us);
  note("durability.group_commit_quiet_us", a.wal_group_commit_quiet_us != b.wal_group_commit_quiet_us);
  note("durability.group_commit_min_records",
       a.wal_group_commit_min_records != b.wal_group_commit_min_records);
  note("durability.group_commit_spacing_us",
       a.wal_group_commit_spacing_us != b.wal_group_commit_spacing_us);
  note("durability.retention_age_s", a.wal_retention_age_s != b.wal_retention_age_s);
  note("durability.retention_bytes_max", a.wal_retention_bytes_max != b.wal_retention_bytes_max);
}

void note_limit_changes(const HttpLimits& a, const HttpLimits& b, const NoteChange& note) {
  note("limits.body_bytes_max", a.body_bytes_max != b.body_bytes_max);
  note("limits.header_bytes_max", a.header_bytes_max != b.header_bytes_max);
  note("limits.read_timeout_ms", a.read_timeout_ms != b.read_timeout_ms);
  note("limits.idle_timeout_ms", a.idle_timeout_ms != b.idle_timeout_ms);
  note("limits.connections_max", a.connections_max != b.connections_max);
  note("limits.pipeline_depth_max", a.pipeline_depth_max != b.pipeline_depth_max);
  note("limits.background_jobs_max", a.background_jobs_max != b.background_jobs_max);
}

// Named by their index in the new file; an organisation that is gone by its id.
void note_org_changes(const std::vector<OrgConfig>& a, const std::vector<OrgConfig>& b,
                      const NoteChange& note) {
  const auto find = [](const std::vector<OrgConfig>& orgs, ledger::OrgId id) {
    return std::find_if(orgs.begin(), orgs.end(), [id](const OrgConfig& o) { return o.org == id; });
  };
  for (std::size_t i = 0; i < b.size(); ++i) {
    const std::string path = "organisations[" + std::to_string(i) + "]";
    const auto before = find(a, b[i].org);
    if (before == a.end()) {
      note(path + " (organisation " + std::to_string(b[i].org) + " added)", true);
      continue;
    }
    const ledger::OrgSettings& x = before->settings;
    const ledger::OrgSettings& y = b[i].settings;
    note(path + ".time_zone", x.time_zone != y.time_zone);
    note(path + ".redemption_strategy", x.strategy != y.strategy);
    note(path + ".active_promotions_max", x.active_promotions_max != y.active_promotions_max);
    note(path + ".wallet_entries_max", x.wallet_entries_max != y.wallet_entries_max);
  }
  for (const OrgConfig& org : a) {
    note("organisations (organisation " + std::to_string(org.org) + " removed)",
         find(b, org.org) == b.end());
  }
}

}  // namespace

void keep_demo_key_as_started(const Config& running, Config& next) {
  if (next.demo == running.demo) return;
  const std::string demo_key = demo_config().api_keys.front().name;
  const auto named_demo = [&](const ApiKeyConfig& k) { return k.name == demo_key; };
  std::erase_if(next.api_keys, named_demo);
  const auto started = std::find_if(running.api_keys.begin(), running.api_keys.end(), named_demo);
  if (started != running.api_keys.end()) next.api_keys.push_back(*started);
}

std::vector<std::string> fields_needing_restart(const Config& running, const Config& next) {
  std::vector<std::string> changed;
  const NoteChange note = [&changed](std::string field, bool differs) {
    if (differs) changed.push_back(std::move(field));
  };
  const Config& a = running;
  const Config& b = next;
  note("listen", a.listen_host != b.listen_host || a.listen_port != b.listen_port);
  note("threads", a.threads != b.threads);
  note("data_dir", a.data_dir != b.data_dir);
  note("demo", a.demo != b.demo);
  note_durability_changes(a, b, note);
  note_limit_changes(a.limits, b.limits, note);
  note("auth.token_ttl_s", a.token_ttl_s != b.token_ttl_s);
  note("auth.tokens_max", a.tokens_max != b.tokens_max);
  note("rate_limits.auth_failures_per_minute", a.auth_failures_per_minute != b.auth_failures_per_minute);
  note("rate_limits.auth_failures_burst", a.auth_failures_burst != b.auth_failures_burst);
  note_org_changes(a.organisations, b.organisations, note);
  return changed;
}

}  // namespace codeledger::server
