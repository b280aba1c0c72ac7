// ledger-load: drives codeledgerd (or the ceiling server, or Redis with Lua) with a scenario,
// checks every answer, and writes a JSON and an HTML report. See docs/benchmarks.md.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>

#include <boost/system/system_error.hpp>

#include "bench/load/runner.h"
#include "bench/load/setup.h"
#include "bench/load/warnings.h"
#include "server/capillary/demo.h"
#include "server/http/fd_limit.h"

namespace codeledger::bench {
namespace {

constexpr std::size_t kRunTagChars = 6;
// Descriptors beside the connections: the client threads' io_contexts, the set-up and check-up
// connections, the report files, stdio.
constexpr std::uint64_t kLoadFdReserve = 64;

std::string make_run_tag(std::uint64_t seed) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::mt19937_64 rng(seed ^ static_cast<std::uint64_t>(std::random_device{}()));
  std::string tag;
  for (std::size_t i = 0; i < kRunTagChars; ++i) tag.push_back(kAlphabet[rng() % 36]);
  return tag;
}

void make_plan(const Options& o, Plan& plan) {
  plan.scenario = o.scenario;
  plan.target = o.target;
  plan.mix = o.mix;
  plan.zipf_s = o.zipf_s;
  plan.code_limit = o.code_limit;
  plan.run_tag = make_run_tag(o.seed);
  plan.redis_prefix = "bench:" + plan.run_tag;
  const bool v6 = o.address.find(':') != std::string::npos;
  plan.host_header = (v6 ? "[" + o.address + "]" : o.address) + ":" + std::to_string(o.port);
  const std::string key = o.key.empty() ? std::string(server::capillary::kDemoKeyName) : o.key;
  const std::string secret = o.key.empty() ? std::string(server::capillary::kDemoPassword) : o.secret;
  plan.authorization = api::basic_authorization(key, secret);
}

// How the sends were timed: at once (closed loop), by a timer a request, or by spinning (--spin).
const char* pace_name(const Options& o) {
  if (o.rate_rps <= 0) return "none";
  return o.spin ? "spin" : "timer";
}

// Which connection an open-loop send goes on: its own share of the schedule (wrk2's model), or
// any idle one of its client thread (--pool).
const char* dispatch_name(const Options& o) {
  if (o.rate_rps <= 0) return "none";
  return o.pool ? "pool" : "connection";
}

// "0", "2000", "0.99": not std::to_string's "0.000000" (probe 34d).
std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::vector<std::pair<std::string, std::string>> describe(const Options& o, const Plan& plan) {
  std::string mix = "lookup=" + std::to_string(o.mix.lookup) + ",link=" + std::to_string(o.mix.link) +
                    ",redeem=" + std::to_string(o.mix.redeem) + ",issue=" + std::to_string(o.mix.issue);
  return {{"target", o.target == Target::kRedis ? "redis" : "http"},
          {"address", plan.host_header},
          {"scenario", std::string(scenario_name(o.scenario))},
          {"label", o.label},
          {"loop", o.rate_rps > 0 ? "open" : "closed"},
          {"pace", pace_name(o)},
          {"dispatch", dispatch_name(o)},
          {"rate_rps", number_text(o.rate_rps)},
          {"connections", std::to_string(o.connections)},
          {"threads", std::to_string(o.threads)},
          {"duration_s", number_text(o.duration_s)},
          {"requests_max", std::to_string(o.requests_max)},
          {"codes", std::to_string(plan.codes.size())},
          {"code_limit", std::to_string(o.code_limit)},
          {"mix", o.scenario == Scenario::kPeakSale ? mix : "-"},
          {"zipf_s", number_text(o.zipf_s)},
          {"run_tag", plan.run_tag}};
}

// Boost's system_error::what() carries the source location of the throw; the user wants the
// reason ("Connection refused") and where it happened.
std::string failure_reason(const std::exception& e) {
  if (const auto* se = dynamic_cast<const boost::system::system_error*>(&e)) return se->code().message();
  return e.what();
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

// Each connection holds a descriptor; the usual soft limit (1024) is below --connections'
// maximum (4096). Raised toward the hard limit, or a clear refusal instead of EMFILE errors.
bool fit_fd_limit(const Options& o) {
  const server::FdLimit fds = server::raise_fd_limit(o.connections, kLoadFdReserve);
  if (fds.enough()) return true;
  std::cerr << "ledger-load: --connections " << o.connections << " needs " << fds.wanted
            << " open files; the hard limit is " << fds.hard
            << ": raise it (ulimit -Hn) or use fewer connections\n";
  return false;
}

int run(const Options& o) {
  if (!fit_fd_limit(o)) return 2;
  if (const auto error = report_paths_error(o)) {
    std::cerr << "ledger-load: " << *error << "\n";
    return 2;
  }
  Plan plan;
  make_plan(o, plan);
  try {
    if (o.target == Target::kRedis) setup_redis(o, plan); else setup_http(o, plan);
  } catch (const std::exception& e) {
    std::cerr << "ledger-load: set-up against " << plan.host_header << " failed: "
              << failure_reason(e) << "\n";
    return 2;
  }
  std::cerr << "ledger-load: " << plan.codes.size() << " codes ready, " << o.connections
            << " connections, " << scenario_name(o.scenario) << " for " << o.duration_s << " s\n";
  const RunResult result = run_load(o, plan);
  Report report;
  report.config = describe(o, plan);
  fill_report(result, report);
  const bool redeems = o.scenario == Scenario::kPeakSale || o.scenario == Scenario::kHotCode ||
                       o.scenario == Scenario::kRedeem;
  if (o.verify && redeems) {
    try {
      report.verify = verify_redemptions(o, plan, merged_redeems(result));
    } catch (const std::exception& e) {
      // The check failed, not a request: counted apart so the totals still add up.
      report.verify.ran = true;
      report.verify.failed = true;
      report.verify.notes.push_back("verification failed: " + failure_reason(e));
    }
  }
  report.warnings = run_warnings(report, o);
  if (!write_file(o.json_path, report_json(report)) || !write_file(o.html_path, report_html(report))) {
    std::cerr << "ledger-load: cannot write " << o.json_path << " / " << o.html_path << "\n";
    return 2;
  }
  std::printf("RESULT scenario=%s target=%s label=%s rps=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f "
              "max_us=%.1f in_flight_p99_us=%.1f send_lag_p99_us=%.1f requests=%llu errors=%llu "
              "connect_failures=%llu unsent_slots=%llu double_redemptions=%llu lost_acks=%llu "
              "verify_failed=%d client_cpu_pct=%.0f pace=%s dispatch=%s\n",
              std::string(scenario_name(o.scenario)).c_str(), o.target == Target::kRedis ? "redis" : "http",
              o.label.empty() ? "-" : o.label.c_str(), report.throughput_rps, report.latency.p50_us,
              report.latency.p99_us, report.latency.p999_us, report.latency.max_us,
              report.in_flight.p99_us, report.send_lag.p99_us,
              static_cast<unsigned long long>(report.requests), static_cast<unsigned long long>(report.errors),
              static_cast<unsigned long long>(report.connect_failures),
              static_cast<unsigned long long>(report.unsent_slots),
              static_cast<unsigned long long>(report.verify.double_redemptions),
              static_cast<unsigned long long>(report.verify.lost_acks), report.verify.failed ? 1 : 0,
              report.client_cpu_pct,
              pace_name(o), dispatch_name(o));
  for (const std::string& e : report.error_samples) std::cerr << "  error sample: " << e << "\n";
  for (const std::string& n : report.verify.notes) std::cerr << "  verify: " << n << "\n";
  for (const std::string& w : report.warnings) std::cerr << "ledger-load: " << w << "\n";
  return run_was_clean(report) ? 0 : 1;
}

}  // namespace
}  // namespace codeledger::bench

int main(int argc, char** argv) {
  using namespace codeledger::bench;
  auto parsed = parse_options(argc, argv);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    if (*error == "help") {
      std::cout << usage();
      return 0;
    }
    std::cerr << "ledger-load: " << *error << "\n" << usage();
    return 2;
  }
  Options o = std::get<Options>(parsed);
  if (o.redis_scripts.empty()) o.redis_scripts = CODELEDGER_REDIS_SCRIPTS_DIR;
  return run(o);
}
