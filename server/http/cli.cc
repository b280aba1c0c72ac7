// Command line and listen-address parsing (declared in config.h).
#include <charconv>
#include <cstdlib>
#include <string>

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

}  // namespace

Status parse_listen(std::string_view text, std::string& host, std::uint16_t& port) {
  std::string_view h, p;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return {ErrorCode::kInvalidRequest, "expected [IPV6]:PORT, got '" + std::string(text) + "'"};
    }
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return {ErrorCode::kInvalidRequest, "expected HOST:PORT, got '" + std::string(text) + "'"};
    }
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (h.empty() || p.empty() || ec != std::errc() || ptr != p.data() + p.size() || value > 65535) {
    return {ErrorCode::kInvalidRequest, "expected HOST:PORT with a port 0..65535, got '" +
                                            std::string(text) + "'"};
  }
  host.assign(h);
  port = static_cast<std::uint16_t>(value);
  return {};
}

Result<CommandLine> parse_command_line(int argc, const char* const* argv) {
  CommandLine cli;
  Status error;
  for (int i = 1; i < argc && error.ok(); ++i) {
    const std::string_view arg = argv[i];
    std::optional<std::string> threads;
    if (arg == "--help" || arg == "-h") {
      cli.help = true;
    } else if (arg == "--demo") {
      cli.demo = true;
    } else if (arg == "--point-in-time-recovery") {
      cli.point_in_time_recovery = true;
    } else if (take_value(arg, "--listen", i, argc, argv, cli.listen, error) ||
               take_value(arg, "--data-dir", i, argc, argv, cli.data_dir, error) ||
               take_value(arg, "--config", i, argc, argv, cli.config_path, error) ||
               take_value(arg, "--durability", i, argc, argv, cli.durability, error)) {
    } else if (take_value(arg, "--threads", i, argc, argv, threads, error)) {
      if (error.ok()) {
        const auto n = parse_threads(*threads);
        if (n) cli.threads = *n; else error = bad_flag("--threads", kThreadsExpected);
      }
    } else {
      error = bad_flag(arg, "unknown option (see --help)");
    }
  }
  if (!error.ok()) return error;
  return cli;
}

std::string usage() {
  return R"(codeledgerd: in-memory, durable promotion-code ledger (Capillary and Altcraft APIs)

Usage: codeledgerd [--listen HOST:PORT] [--data-dir DIR] [--config FILE] [--threads N] [--demo]
                   [--durability sync|async|none] [--point-in-time-recovery]

  --listen HOST:PORT  address to serve HTTP on (default 127.0.0.1:8080; [::1]:8080 for IPv6;
                      port 0 picks a free port). Overrides the config file's "listen".
  --data-dir DIR      directory for the write-ahead log and snapshots (default ./data).
                      Overrides the config file's "data_dir".
  --config FILE       JSON configuration: organisations, API keys (salted SHA-256 secrets
                      only), limits, durability. Without it the embedded demo configuration
                      is used: organisation 100737 and API key "demo" (password printed at
                      start), and the demo promotions are seeded into an empty ledger.
  --threads N         I/O threads, each with its own acceptor on the port (default: one per
                      hardware thread). Overrides the config file's "threads".
  --demo              seed the demo organisation, key and promotions even with --config.
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
  CODELEDGER_LISTEN                  HOST:PORT, as --listen
  CODELEDGER_DATA_DIR                as --data-dir
  CODELEDGER_THREADS                 as --threads
  CODELEDGER_DURABILITY              sync, async or none, as --durability
  CODELEDGER_ACCESS_LOG_SAMPLE_RATE  0..1: fraction of requests logged to stderr
                                     (config "access_log": {"sample_rate": 0.0}, default off)

Signals: SIGTERM/SIGINT stop gracefully (stop accepting, finish in-flight requests, final
fsync and snapshot); SIGHUP reloads API keys and rate limits from the config file without
dropping connections (as POST /admin/reload). Every config field, limit and metric is in
docs/operations.md.

Exit codes: 0 clean shutdown (SIGTERM/SIGINT), 1 runtime failure, 2 bad flags or config.
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
    char* end = nullptr;
    const double rate = std::strtod(v->c_str(), &end);
    if (end != v->c_str() + v->size() || !(rate >= 0 && rate <= 1)) {
      return bad_flag("CODELEDGER_ACCESS_LOG_SAMPLE_RATE", "expected a number from 0 to 1");
    }
    config.access_log_sample_rate = rate;
  }
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
  if (cli.demo && !config.demo) {
    const Config demo = demo_config();
    config.demo = true;
    bool has_org = false;
    for (const auto& org : config.organisations) has_org = has_org || org.org == demo.organisations[0].org;
    if (!has_org) config.organisations.push_back(demo.organisations[0]);
    bool has_key = false;
    for (const auto& key : config.api_keys) has_key = has_key || key.name == demo.api_keys[0].name;
    if (!has_key) config.api_keys.push_back(demo.api_keys[0]);
  }
  if (Status st = apply_environment(env, config); !st.ok()) return st;
  if (cli.listen) {
    Status st = parse_listen(*cli.listen, config.listen_host, config.listen_port);
    if (!st.ok()) return Status(ErrorCode::kInvalidRequest, "--listen: " + st.message());
  }
  if (cli.data_dir) config.data_dir = *cli.data_dir;
  if (cli.threads) config.threads = *cli.threads;
  if (cli.durability) {
    const auto mode = wal::parse_durability(*cli.durability);
    if (!mode) return bad_flag("--durability", "expected sync, async or none");
    config.durability = *mode;
  }
  if (cli.point_in_time_recovery) config.recovery = wal::RecoveryPolicy::kPointInTime;
  return config;
}

}  // namespace codeledger::server
