#include "bench/load/options.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "bench/load/target.h"

namespace codeledger::bench {
namespace {

using Setter = std::function<bool(std::string_view)>;

// A whole number for integral T, a finite number otherwise, within [lo, hi]: "1.5", "0x10",
// "1e3" for a count and "nan" for a rate are refused, not truncated or passed on.
template <class T>
Setter number(T* dst, double lo, double hi) {
  return [dst, lo, hi](std::string_view v) {
    using Parsed = std::conditional_t<std::is_integral_v<T>, std::uint64_t, double>;
    Parsed parsed{};
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return false;
    const double d = static_cast<double>(parsed);
    if (!std::isfinite(d) || d < lo || d > hi) return false;
    *dst = static_cast<T>(parsed);
    return true;
  };
}

Setter text(std::string* dst) {
  return [dst](std::string_view v) { *dst = v; return true; };
}

// "lookup=60,link=20,redeem=15,issue=5": each name once, each share 0..100, the shares
// summing to 100 (percents above 100 could wrap a 32-bit sum back to 100; probe 33).
bool parse_mix(std::string_view v, Mix* mix) {
  Mix m{0, 0, 0, 0};
  std::map<std::string_view, std::uint32_t*> shares{
      {"lookup", &m.lookup}, {"link", &m.link}, {"redeem", &m.redeem}, {"issue", &m.issue}};
  std::uint32_t sum = 0;
  for (;;) {
    const auto comma = v.find(',');
    const std::string_view item = v.substr(0, comma);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return false;  // also an empty item: "lookup=100,"
    const auto share = shares.find(item.substr(0, eq));
    if (share == shares.end()) return false;  // unknown, or named twice
    const std::string_view num = item.substr(eq + 1);
    std::uint32_t pct = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), pct);
    if (num.empty() || ec != std::errc() || p != num.data() + num.size() || pct > 100) return false;
    *share->second = pct;
    sum += pct;
    shares.erase(share);
    if (comma == std::string_view::npos) break;
    v = v.substr(comma + 1);
  }
  if (sum != 100) return false;
  *mix = m;
  return true;
}

// A label goes into the RESULT line, which scripts split on spaces and read as name=value
// pairs: no spaces, no control characters and no '=' (probe 33: a label could add an "rps=").
// At most kLabelBytesMax bytes (probe 34d: 400 characters pushed the report's configuration
// off the page), and not "-", which the RESULT line prints for no label.
bool plain_label(std::string_view v) {
  if (v.size() > kLabelBytesMax || v == "-") return false;
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '=') return false;
  }
  return true;
}

// Flags that shape one scenario or one target only: given for another, they would be
// ignored without a word, so they are refused. (--codes with hot-code is let be, as --help
// says: the scripts pass --codes for every scenario.)
std::optional<std::string> inapplicable_flag(const Options& o, const std::set<std::string_view>& given) {
  const auto has = [&](std::string_view f) { return given.contains(f); };
  for (const char* f : {"--mix", "--zipf"}) {
    if (has(f) && o.scenario != Scenario::kPeakSale) return std::string(f) + " shapes the peak-sale scenario only";
  }
  if (has("--hot-codes") && o.scenario != Scenario::kHotCode) {
    return std::string("--hot-codes shapes the hot-code scenario only");
  }
  if (has("--redis-scripts") && o.target != Target::kRedis) {
    return std::string("--redis-scripts is for --target redis only");
  }
  if (has("--setup") && o.target == Target::kRedis) return std::string("--setup is for --target http only");
  if ((has("--key") || has("--secret")) && o.target == Target::kRedis) {
    return std::string("--key and --secret are for --target http only (Redis is driven without them)");
  }
  return std::nullopt;
}

bool parse_scenario(std::string_view v, Scenario* s) {
  for (Scenario c : {Scenario::kPeakSale, Scenario::kHotCode, Scenario::kLink, Scenario::kRedeem,
                     Scenario::kLookup}) {
    if (scenario_name(c) == v) { *s = c; return true; }
  }
  return false;
}

std::map<std::string_view, Setter> setters(Options& o) {
  return {
      {"--host", text(&o.host)},
      {"--port", number(&o.port, 1, 65535)},
      {"--target", [&o](std::string_view v) {
         if (v != "http" && v != "redis") return false;
         o.target = v == "http" ? Target::kHttp : Target::kRedis;
         return true; }},
      {"--scenario", [&o](std::string_view v) { return parse_scenario(v, &o.scenario); }},
      {"--connections", number(&o.connections, 1, kConnectionsMax)},
      {"--threads", number(&o.threads, 1, kThreadsMax)},
      {"--duration", number(&o.duration_s, 0.1, kDurationSMax)},
      {"--requests", number(&o.requests_max, 0, static_cast<double>(kRequestsMax))},
      {"--rate", number(&o.rate_rps, 0, kRateRpsMax)},
      {"--mix", [&o](std::string_view v) { return parse_mix(v, &o.mix); }},
      {"--zipf", number(&o.zipf_s, 0.01, 10)},
      {"--codes", number(&o.codes, 1, kCodesMax)},
      {"--hot-codes", number(&o.hot_codes, 1, 1000)},
      {"--code-limit", number(&o.code_limit, 1, kCodeLimitMax)},
      {"--key", text(&o.key)},
      {"--secret", text(&o.secret)},
      {"--setup", [&o](std::string_view v) {
         o.setup = v;
         return v == "import" || v == "generate"; }},
      {"--json", text(&o.json_path)},
      {"--html", text(&o.html_path)},
      {"--redis-scripts", text(&o.redis_scripts)},
      {"--label", [&o](std::string_view v) { return plain_label(v) && (o.label = v, true); }},
      {"--seed", number(&o.seed, 0, 1e18)},
  };
}

// Why nothing could be written at path, or empty. Nothing is created: the check only asks
// whether the file (or, when it does not exist yet, its directory) is writable.
std::string unwritable_reason(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return "the path is empty";
  std::error_code ec;
  const fs::path file(path);
  if (fs::is_directory(file, ec)) return "it is a directory";
  const bool exists = fs::exists(file, ec);
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (!exists && !fs::is_directory(dir, ec)) return "no directory " + dir.string();
  const std::string probe = exists ? path : dir.string();
  if (::access(probe.c_str(), W_OK) != 0) return std::strerror(errno);
  return {};
}

}  // namespace

std::string_view scenario_name(Scenario s) {
  switch (s) {
    case Scenario::kPeakSale: return "peak-sale";
    case Scenario::kHotCode: return "hot-code";
    case Scenario::kLink: return "link";
    case Scenario::kRedeem: return "redeem";
    case Scenario::kLookup: return "lookup";
  }
  return "?";
}

std::string usage() {
  return R"(usage: ledger-load [options]
  --target http|redis        what to drive (default http: codeledgerd or ceiling-server)
  --host H --port P          loopback only: 127.0.0.0/8, ::1, localhost (default 127.0.0.1:8080)
  --scenario S               peak-sale | hot-code | link | redeem | lookup (default peak-sale)
  --connections N            keep-alive connections (default 64, max 4096)
  --threads N                client threads, each with its own io_context (default 2)
  --duration S               seconds of load (default 10, max 3600)
  --requests N               stop after N requests (default: duration only)
  --rate R                   open loop at R requests/s in total, latency from intended send
                             time; 0 = closed loop (default)
  --spin                     open loop: each client thread spins to its next send time
                             instead of arming a timer for every request (exact sends, no
                             timer system calls; takes a whole CPU per client thread)
  --pool                     open loop: each send goes on whichever connection of its client
                             thread is idle (a pooled client), instead of each connection
                             keeping its own share of the schedule (wrk2's model, default)
  --mix lookup=60,link=20,redeem=15,issue=5   peak-sale mix in percent (each name at most
                             once, the shares summing to 100; peak-sale only, as --zipf)
  --zipf S                   Zipf exponent for peak-sale code choice (default 0.99)
  --codes N                  codes created in set-up (default 100000, max 10000000; hot-code
                             sets up its --hot-codes instead)
  --hot-codes N              codes the hot-code scenario races on (default 8; hot-code only)
  --code-limit N             per-code redemption limit (default 1; hot-code: 100)
  --key K --secret S         admin API key (default: codeledgerd's --demo key)
  --setup import|generate    import self-made codes, or generate + export them (default import)
  --json FILE --html FILE    reports (default ledger-load.json / ledger-load.html)
  --redis-scripts DIR        directory holding link.lua, redeem.lua, issue.lua
  --label TEXT               shown in the reports and the RESULT line (at most 100 bytes;
                             no spaces, control characters or '='; not "-")
  --seed N                   random seed (default: clock)
  --no-progress --no-verify
exit status: 0 clean; 1 errors, double redemptions or lost acks; 2 could not start
)";
}

std::variant<Options, std::string> parse_options(int argc, const char* const* argv) {
  Options o;
  auto table = setters(o);
  std::set<std::string_view> given;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") return std::string("help");
    if (arg == "--no-progress") { o.progress = false; continue; }
    if (arg == "--no-verify") { o.verify = false; continue; }
    if (arg == "--spin") { o.spin = true; continue; }
    if (arg == "--pool") { o.pool = true; continue; }
    const auto it = table.find(arg);
    if (it == table.end()) return "unknown option " + std::string(arg);
    if (i + 1 >= argc) return "missing value for " + std::string(arg);
    if (!it->second(argv[++i])) return "bad value for " + std::string(arg) + ": " + argv[i];
    given.insert(it->first);
  }
  if (given.contains("--key") != given.contains("--secret")) {
    return std::string("--key and --secret go together (neither: codeledgerd's --demo key)");
  }
  if (given.contains("--key") && (o.key.empty() || o.secret.empty())) {
    return std::string("--key and --secret must not be empty (neither flag: codeledgerd's --demo key)");
  }
  if (auto why = inapplicable_flag(o, given)) return *why;
  if (o.spin && o.rate_rps <= 0) return std::string("--spin paces the open loop: give --rate too");
  if (o.pool && o.rate_rps <= 0) return std::string("--pool shares the open loop's schedule: give --rate too");
  auto address = loopback_address(o.host);
  if (!address) return "refusing non-loopback target " + o.host + " (127.0.0.0/8, ::1, localhost only)";
  o.address = *address;
  if (o.connections < o.threads) o.threads = o.connections;
  if (o.scenario == Scenario::kHotCode) o.codes = o.hot_codes;
  if (o.code_limit == 0) o.code_limit = o.scenario == Scenario::kHotCode ? 100 : 1;
  return o;
}

std::optional<std::string> report_paths_error(const Options& o) {
  for (const auto& [flag, path] : {std::pair{"--json", &o.json_path}, std::pair{"--html", &o.html_path}}) {
    const std::string reason = unwritable_reason(*path);
    if (!reason.empty()) return "cannot write the report " + std::string(flag) + " " + *path + ": " + reason;
  }
  return std::nullopt;
}

}  // namespace codeledger::bench
