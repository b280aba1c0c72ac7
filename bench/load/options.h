// Command-line options of ledger-load, with every input bounded by a named limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace codeledger::bench {

enum class Scenario : std::uint8_t { kPeakSale, kHotCode, kLink, kRedeem, kLookup };
enum class Target : std::uint8_t { kHttp, kRedis };

inline constexpr std::uint32_t kConnectionsMax = 4096;
inline constexpr std::uint32_t kThreadsMax = 64;
inline constexpr double kDurationSMax = 3600;
inline constexpr std::uint64_t kRequestsMax = 1'000'000'000;
inline constexpr double kRateRpsMax = 10'000'000;
inline constexpr std::uint32_t kCodesMax = 10'000'000;
inline constexpr std::uint32_t kCodeLimitMax = 1'000'000;
inline constexpr std::size_t kLabelBytesMax = 100;

// Percent weights of the peak-sale operations (must sum to 100).
struct Mix {
  std::uint32_t lookup = 60;
  std::uint32_t link = 20;
  std::uint32_t redeem = 15;
  std::uint32_t issue = 5;
};

struct Options {
  Target target = Target::kHttp;
  std::string host = "127.0.0.1";
  std::string address;  // loopback literal derived from host
  std::uint16_t port = 8080;
  Scenario scenario = Scenario::kPeakSale;
  std::uint32_t connections = 64;
  std::uint32_t threads = 2;
  double duration_s = 10;
  std::uint64_t requests_max = 0;  // 0: bounded by duration only
  double rate_rps = 0;             // 0: closed loop; otherwise open loop at this total rate
  bool spin = false;               // open loop: client threads spin to their slots (pacer.h)
  bool pool = false;               // open loop: each slot goes to any idle connection (pacer.h)
  Mix mix;
  double zipf_s = 0.99;
  std::uint32_t codes = 100'000;
  std::uint32_t hot_codes = 8;
  std::uint32_t code_limit = 0;    // per-code redemption limit; 0: scenario default
  std::string key;                 // empty: the server's demo key
  std::string secret;
  std::string setup = "import";    // import | generate
  std::string json_path = "ledger-load.json";
  std::string html_path = "ledger-load.html";
  std::string redis_scripts;       // directory with link.lua, redeem.lua, issue.lua
  std::string label;               // free text shown in reports (e.g. "durability=sync")
  std::uint64_t seed = 0;          // 0: from the clock
  bool progress = true;
  bool verify = true;
};

std::string_view scenario_name(Scenario s);
std::string usage();
// Options, or an error message (the text "help" when --help was asked for).
std::variant<Options, std::string> parse_options(int argc, const char* const* argv);
// Why --json or --html could not be written, checked before the set-up so that a mistyped
// path costs a clear error, not a whole run; nothing is created.
std::optional<std::string> report_paths_error(const Options& o);

}  // namespace codeledger::bench
