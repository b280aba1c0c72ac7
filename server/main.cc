// codeledgerd: flags and config -> store (recovery: snapshot + WAL) -> HTTP server.
// SIGTERM/SIGINT stop it gracefully: stop accepting, finish in-flight requests, final fsync
// and snapshot. Signals are taken from the first line of main to exit (ProcessSignals), so
// none ends the process by its default action during recovery or the stop.
#include <boost/system/system_error.hpp>

#include <malloc.h>

#include <csignal>
#include <exception>
#include <functional>
#include <iostream>
#include <string>

#include "ledger/ledger.h"
#include "server/capillary/demo.h"
#include "server/dialects/routes.h"
#include "server/http/auth.h"
#include "server/http/config.h"
#include "server/http/crypto.h"
#include "server/http/fd_limit.h"
#include "server/http/listener.h"
#include "server/http/process_signals.h"
#include "server/http/server.h"
#include "server/http/service_clock.h"
#include "server/http/store_bridge.h"
#include "server/store/store.h"

namespace {

using namespace codeledger;
namespace cap = server::capillary;

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
// glibc's starting value (128 KiB), kept: see main().
constexpr int kMmapThresholdBytes = 128 * 1024;

std::string host_port(const server::Config& c, std::uint16_t port) {
  const bool v6 = c.listen_host.find(':') != std::string::npos;
  return (v6 ? "[" + c.listen_host + "]" : c.listen_host) + ":" + std::to_string(port);
}

void report_listen_error(const server::Config& c, const boost::system::system_error& e) {
  std::cerr << "codeledgerd: cannot listen on " << host_port(c, c.listen_port) << ": "
            << e.code().message() << "\n";
}

// A port another process listens on, found before recovery, which may take minutes and
// creates and seeds a new data directory. Server::start checks again when it binds.
bool port_is_free(const server::Config& c) {
  try {
    server::check_port_unshared(
        server::tcp::endpoint(boost::asio::ip::make_address(c.listen_host), c.listen_port));
    return true;
  } catch (const boost::system::system_error& e) {
    report_listen_error(c, e);
    return false;
  }
}

// Seeds the demo into an empty ledger; returns the issuable promotion's id (for issueBulk).
// A seeding that fails (a full disk, no memory) is an error: the server does not serve.
Result<std::string> seed_demo_if_empty(ledger::Ledger& ledger) {
  const ledger::TimeMs now = server::service_clock_ms();
  bool empty = true;
  for (const auto& s : ledger.stats()) {
    if (s.org == cap::kDemoOrgId) empty = s.codes == 0 && s.promotions == 0;
  }
  if (empty) {
    if (auto seeded = cap::try_seed_demo(ledger, cap::kDemoOrgId, now); !seeded.ok()) {
      return Status(seeded.status().code(),
                    seeded.status().message() +
                        " (what was seeded before stays; remove the data directory to seed afresh)");
    }
  }
  ledger::Op op{cap::kDemoOrgId, cap::kDemoKeyName, now};
  for (const auto& p : ledger.list_promotions(op)) {
    if (p.spec.name == cap::kDemoIssuablePromotionName) return p.id.hex();
  }
  return std::string("{promotionId}");
}

// The demo key's credentials as the banner's curl lines carry them. A config may define a
// "demo" key of its own, which --demo keeps: the embedded password then answers 401, and the
// key's own password is known to the server only as a salted hash. So the banner asks the
// running server's key table whether it takes the embedded password, and otherwise prints
// placeholders.
struct DemoCredentials {
  bool embedded = false;   // the server takes the embedded password for the demo organisation
  std::string basic_user;  // key:md5hex(password), as curl -u takes it
  std::string secret;      // the password, as POST /v3/oauth/token/generate takes it
};

DemoCredentials demo_credentials(const server::Auth& auth) {
  const std::string key(cap::kDemoKeyName);
  const std::string md5 = server::md5_hex(cap::kDemoPassword);
  const auto caller = auth.check_key(key, md5);
  if (caller && caller->org == cap::kDemoOrgId) {
    return {true, key + ":" + md5, std::string(cap::kDemoPassword)};
  }
  return {false, key + ":<md5hex(password)>", "<password>"};
}

void print_demo_key(const DemoCredentials& c) {
  if (c.embedded) {
    std::cout << "demo API key: " << cap::kDemoKeyName << "  password: " << cap::kDemoPassword
              << "  (Basic credentials are key:md5hex(password) = " << c.basic_user << ")\n";
    return;
  }
  std::cout << "demo API key: " << cap::kDemoKeyName << " is the config's own, not the embedded "
            << "demo key: its password is not printed (the server holds only its salted hash); "
            << "put it where the lines below say <password>, and its md5hex where they say "
            << "<md5hex(password)>\n";
}

void print_demo_help(const std::string& base, const std::string& issuable_id,
                     const DemoCredentials& c) {
  print_demo_key(c);
  const std::string user = "-u '" + c.basic_user + "' ";
  std::cout << "try:\n"
            << "  curl -s " << user << "-H 'Content-Type: application/json' "
            << "-d '{\"customerId\": 566881933, \"code\": \"" << cap::kDemoCode
            << "\", \"mode\": \"DISCOUNT\"}' " << base << "/api_gateway/v1/promotions/code/link\n"
            << "  curl -s " << user << "'" << base
            << "/api_gateway/v1/promotions/code?codes=" << cap::kDemoCode << "&mode=DISCOUNT'\n"
            << "  curl -s " << user << "-H 'Content-Type: application/json' "
            << "-d '[566881933, 566135941]' '" << base << "/api_gateway/v1/promotions/"
            << issuable_id << "/issueBulk?contextId=68fb1c9731d91c625a8d9e80'\n"
            << "  curl -s -H 'Content-Type: application/json' -d '{\"key\": \"" << cap::kDemoKeyName
            << "\", \"secret\": \"" << c.secret << "\"}' " << base << "/v3/oauth/token/generate\n";
}

store::StoreOptions store_options(const server::Config& config) {
  store::StoreOptions o;
  o.data_dir = config.data_dir;
  o.wal = server::wal_options(config);
  o.snapshot_interval_ms = config.snapshot_interval_ms;
  o.recovery = config.recovery;
  o.clock_ms = server::service_clock_ms;          // snapshot times and ages
  o.wal.clock_ms = server::retention_clock_ms;    // retention by age
  for (const auto& org : config.organisations) o.orgs.emplace_back(org.org, org.settings);
  // o.log and o.progress as they are: the store's long steps (snapshot load, log replay,
  // snapshot builds, the stop's build wait and shutdown snapshot) are said on stderr after
  // their first second, once a second while they run, and once when they end.
  return o;
}

// POST /admin/snapshot: a snapshot is built in the background (by replay, off the live
// ledger), so the request answers 202 at once instead of holding an I/O thread.
server::Endpoint snapshot_endpoint(store::Store& store) {
  return server::Endpoint{
      server::http::verb::post, "/admin/snapshot",
      [&store](server::RequestContext&) {
        store.request_snapshot();
        server::Reply reply;
        reply.status = server::http::status::accepted;
        reply.body = R"({"data":{"snapshot":"requested","durableLsn":)" +
                     std::to_string(store.durable_lsn()) + "}}";
        return reply;
      },
      server::Scope::kAdmin};
}

using ReloadSource = std::function<Result<server::ReloadedConfig>()>;

// SIGHUP and POST /admin/reload read the same sources again (file, environment, flags) and
// apply only the keys and the access log's rate; a changed field that needs a restart is
// named in one line (Server::reload_from_source, once the reload is applied) instead of
// being ignored without a word. `started` is the configuration
// as resolved at start (before fd_limit may lower connections_max).
ReloadSource reload_source(server::CommandLine cli, server::Config started) {
  return [cli = std::move(cli), started = std::move(started)]() -> Result<server::ReloadedConfig> {
    Result<server::Config> next = server::resolve_config(cli);
    if (!next.ok()) return next.status();
    server::ReloadedConfig reloaded{std::move(*next), {}};
    reloaded.needs_restart = server::fields_needing_restart(started, reloaded.config);
    server::keep_demo_key_as_started(started, reloaded.config);
    return reloaded;
  };
}

void reload_on_sighup(server::Server& srv) {
  const auto reloaded = srv.reload_from_source();
  server::log_line(reloaded.ok() ? "SIGHUP: keys and limits reloaded" : "SIGHUP: " + reloaded.status().message());
}

int serve(const server::Config& config, store::Store& store, ReloadSource reload,
          server::ProcessSignals& signals) {
  std::string issuable_id;
  if (config.demo) {
    auto seeded = seed_demo_if_empty(store.ledger());
    if (!seeded.ok()) {
      std::cerr << "codeledgerd: " << seeded.status().message() << "\n";
      return kExitRuntime;
    }
    issuable_id = std::move(*seeded);
  }

  server::StoreBridge bridge(store);
  server::ServerHooks hooks;
  hooks.health = &bridge;
  hooks.extra_endpoints.push_back(snapshot_endpoint(store));
  server::StoreMetrics store_metrics(store);
  hooks.metrics_sources.push_back(&store_metrics);
  hooks.reload_source = std::move(reload);
  const std::vector<server::Route> routes = server::dialect_routes();
  server::Server srv(config, store.ledger(), routes, bridge, std::move(hooks));
  std::uint16_t port = 0;
  try {
    port = srv.start();
  } catch (const boost::system::system_error& e) {
    report_listen_error(config, e);
    return kExitRuntime;
  }
  // Signals act as "while serving" from the moment requests are answered, not after the
  // lines below: stdout may be a slow or stuck pipe, and a SIGHUP or SIGTERM meanwhile must
  // not be taken for one that came during start-up (probe 33).
  signals.serving([&srv] { reload_on_sighup(srv); });
  const std::string base = "http://" + host_port(config, port);
  std::cout << "codeledgerd listening on " << base << " (" << srv.threads()
            << (srv.threads() == 1 ? " thread" : " threads") << ", data_dir "
            << config.data_dir << ", durability " << wal::to_string(config.durability) << ")\n";
  if (config.demo) print_demo_help(base, issuable_id, demo_credentials(srv.auth()));
  std::cout.flush();
  signals.wait_for_stop();  // the signal thread logs it
  srv.stop();
  return 0;
}

int run(server::Config config, ReloadSource reload, server::ProcessSignals& signals) {
  if (const int signo = signals.stop_signal(); signo != 0) {
    server::log_line("start-up stopped by " + server::ProcessSignals::name(signo) + " before recovery");
    return 0;
  }
  if (!server::fit_connections_to_fd_limit(config, std::cerr, "codeledgerd")) return kExitRuntime;
  if (!port_is_free(config)) return kExitRuntime;
  std::cout << "codeledgerd: recovering data dir " << config.data_dir << "\n" << std::flush;
  store::StoreOptions options = store_options(config);
  int stopped_by = 0;  // the stop signal that ended the replay; asked on this thread only
  options.stop_recovery = [&] { return (stopped_by = signals.stop_signal()) != 0; };
  auto opened = store::Store::open(std::move(options));
  if (!opened.ok() && stopped_by != 0) {
    server::log_line("start-up stopped by " + server::ProcessSignals::name(stopped_by) +
                     " during recovery: not serving; " + opened.status().message());
    std::cout << "codeledgerd: stopped\n";
    return 0;
  }
  if (!opened.ok()) {
    std::cerr << "codeledgerd: cannot open data dir " << config.data_dir << ": "
              << opened.status().message() << "\n";
    return kExitRuntime;
  }
  std::unique_ptr<store::Store> store = std::move(opened).value();
  std::cout << "codeledgerd: recovered: " << store->recovery().summary() << "\n" << std::flush;
  int rc = 0;
  if (const int signo = signals.stop_signal(); signo != 0) {
    // The signal came after the replay's last batch (or while the snapshot loaded).
    server::log_line("start-up stopped by " + server::ProcessSignals::name(signo) + ": not serving");
  } else {
    rc = serve(config, *store, std::move(reload), signals);
  }
  // Traffic has stopped (or never began): drain the log (final fsync) and write the shutdown
  // snapshot.
  if (Status st = store->close(); !st.ok()) {
    std::cerr << "codeledgerd: close: " << st.message() << "\n";
    return rc == 0 ? kExitRuntime : rc;
  }
  std::cout << "codeledgerd: stopped\n";
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  // A reader of stdout or stderr that goes away (`codeledgerd | head -1`) must not end the
  // server, mid-recovery or mid-stop, with no word: a failed write is an error the streams
  // note and the server goes on (probe 33). Sockets send with MSG_NOSIGNAL anyway.
  std::signal(SIGPIPE, SIG_IGN);
  // The signal thread logs to stderr while this thread writes stdout: tied, every log line
  // would flush stdout from that thread, racing this one and blocking on a stuck pipe.
  std::cerr.tie(nullptr);
  // A fixed mmap threshold: glibc otherwise raises it each time a large block is freed, and
  // then serves the ledger's slabs (up to 64 MiB) from a malloc arena, where they stay
  // resident after the snapshot ledger that used them is gone. Each background snapshot
  // then left its memory behind: 142 MiB of data grew to 316 MiB after four snapshots, and
  // stayed there (probe 34b). Blocks this large are few, so mmap per block costs little.
  mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  // First, before any thread starts: every thread inherits the blocked signals.
  server::ProcessSignals signals;
  auto cli = server::parse_command_line(argc, argv);
  if (!cli.ok()) {
    std::cerr << "codeledgerd: " << cli.status().message() << "\n";
    return kExitUsage;
  }
  if (cli->help) {
    std::cout << server::usage();
    return 0;
  }
  auto config = server::resolve_config(*cli);
  if (!config.ok()) {
    std::cerr << "codeledgerd: " << config.status().message() << "\n";
    return kExitUsage;
  }
  // Out of memory anywhere else on this thread (the io threads' stacks, the demo's seeding
  // before the log): said, and exit 1, instead of an uncaught exception's SIGABRT (probe 35b).
  try {
    return run(*config, reload_source(*cli, *config), signals);
  } catch (const std::exception& e) {
    std::cerr << "codeledgerd: stopped: " << e.what() << " (out of memory?)\n";
    return kExitRuntime;
  }
}
