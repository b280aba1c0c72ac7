// codeledgerd: flags and config -> ledger -> HTTP server; SIGTERM/SIGINT stop it gracefully.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/system/system_error.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "ledger/ledger.h"
#include "server/capillary/demo.h"
#include "server/capillary/routes.h"
#include "server/http/auth.h"
#include "server/http/config.h"
#include "server/http/crypto.h"
#include "server/http/server.h"

namespace {

using namespace codeledger;
namespace cap = server::capillary;

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

std::string host_port(const server::Config& c, std::uint16_t port) {
  const bool v6 = c.listen_host.find(':') != std::string::npos;
  return (v6 ? "[" + c.listen_host + "]" : c.listen_host) + ":" + std::to_string(port);
}

// Seeds the demo into an empty ledger; returns the issuable promotion's id (for issueBulk).
std::string seed_demo_if_empty(ledger::Ledger& ledger) {
  const ledger::TimeMs now = server::system_clock_ms();
  bool empty = true;
  for (const auto& s : ledger.stats()) {
    if (s.org == cap::kDemoOrgId) empty = s.codes == 0 && s.promotions == 0;
  }
  if (empty) cap::seed_demo(ledger, cap::kDemoOrgId, now);
  ledger::Op op{cap::kDemoOrgId, cap::kDemoKeyName, now};
  for (const auto& p : ledger.list_promotions(op)) {
    if (p.spec.name == cap::kDemoIssuablePromotionName) return p.id.hex();
  }
  return "{promotionId}";
}

void print_demo_help(const std::string& base, const std::string& issuable_id) {
  const std::string md5 = server::md5_hex(cap::kDemoPassword);
  const std::string user = std::string(cap::kDemoKeyName) + ":" + md5;
  std::cout << "demo API key: " << cap::kDemoKeyName << "  password: " << cap::kDemoPassword
            << "  (Basic credentials are key:md5hex(password) = " << user << ")\n"
            << "try:\n"
            << "  curl -s -u '" << user << "' -H 'Content-Type: application/json' "
            << "-d '{\"customerId\": 566881933, \"code\": \"" << cap::kDemoCode
            << "\", \"mode\": \"DISCOUNT\"}' " << base << "/api_gateway/v1/promotions/code/link\n"
            << "  curl -s -u '" << user << "' '" << base
            << "/api_gateway/v1/promotions/code?codes=" << cap::kDemoCode << "&mode=DISCOUNT'\n"
            << "  curl -s -H '" << "Authorization: " << server::capillary_basic_header(cap::kDemoKeyName, cap::kDemoPassword)
            << "' -H 'Content-Type: application/json' -d '[566881933, 566135941]' '" << base
            << "/api_gateway/v1/promotions/" << issuable_id
            << "/issueBulk?contextId=68fb1c9731d91c625a8d9e80'\n"
            << "  curl -s -H 'Content-Type: application/json' -d '{\"key\": \"" << cap::kDemoKeyName
            << "\", \"secret\": \"" << cap::kDemoPassword << "\"}' " << base
            << "/v3/oauth/token/generate\n";
}

int run(const server::Config& config) {
  ledger::Ledger ledger;
  for (const auto& org : config.organisations) {
    if (Status st = ledger.configure_org(org.org, org.settings); !st.ok()) {
      std::cerr << "codeledgerd: organisation " << org.org << ": " << st.message() << "\n";
      return kExitUsage;
    }
  }
  std::string issuable_id;
  if (config.demo) issuable_id = seed_demo_if_empty(ledger);

  // The WAL-backed gate (server/store) replaces this once the store is wired in; until then
  // acknowledgements come from memory.
  server::ImmediateDurability durability;
  server::Server srv(config, ledger, cap::capillary_routes(), durability);
  std::uint16_t port = 0;
  try {
    port = srv.start();
  } catch (const boost::system::system_error& e) {
    std::cerr << "codeledgerd: cannot listen on " << host_port(config, config.listen_port) << ": "
              << e.code().message() << "\n";
    return kExitRuntime;
  }
  const std::string base = "http://" + host_port(config, port);
  std::cout << "codeledgerd listening on " << base << " (" << srv.threads() << " threads, data_dir "
            << config.data_dir << ")\n";
  if (config.demo) print_demo_help(base, issuable_id);
  std::cout.flush();

  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    std::cout << "codeledgerd: signal " << signo << ", stopping\n" << std::flush;
    srv.stop();
  });
  signals_ioc.run();
  std::cout << "codeledgerd: stopped\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
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
  return run(*config);
}
