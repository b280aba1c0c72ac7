// ceiling-server: codeledgerd's own HTTP stack (server/http Server: per-thread io_context,
// SO_REUSEPORT acceptors, keep-alive sessions, auth, routing, date cache) serving the very
// same Capillary routes, but every handler returns one fixed small JSON answer without
// touching the ledger. What codeledgerd does on top of this is ledger work and durability,
// so codeledgerd / ceiling is the share of the HTTP stack's speed the ledger keeps.
#include <boost/system/system_error.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "server/capillary/routes.h"
#include "server/http/answer_body.h"
#include "server/http/config.h"
#include "server/http/fd_limit.h"
#include "server/http/server.h"

namespace {

using namespace codeledger;

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr std::string_view kUsage =
    "usage: ceiling-server [--config FILE] [--listen HOST:PORT] [--threads N]\n";

// Shaped like a created promotion, so ledger-load's set-up phase accepts it too.
constexpr std::string_view kFixedBody =
    R"({"data":{"id":"000000000000000000000000","code":"CEILING0","redemptionCount":0}})";

// The body comes from the thread's spares, as codeledgerd's handlers' bodies do, so the
// ceiling allocates no more a request than the server it bounds (session 36).
server::Reply fixed_reply(server::RequestContext&) {
  server::Reply r;
  r.body = server::take_answer_body();
  r.body = kFixedBody;
  return r;
}

// HOST:PORT as codeledgerd names it, an IPv6 host in brackets.
std::string host_port(const server::Config& c) {
  const bool v6 = c.listen_host.find(':') != std::string::npos;
  return (v6 ? "[" + c.listen_host + "]" : c.listen_host) + ":" + std::to_string(c.listen_port);
}

void wait_for_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto cli = server::parse_command_line(argc, argv);
  if (!cli.ok()) {  // the reason first: the usage line alone does not say which flag was wrong
    std::cerr << "ceiling-server: " << cli.status().message() << "\n" << kUsage;
    return kExitUsage;
  }
  if (cli->help) {
    std::cout << kUsage;
    return 0;
  }
  // Same configuration path as codeledgerd (config file or the embedded demo, then flags),
  // so keys, rate limits, threads and HTTP limits match the server it is compared with.
  auto config = server::resolve_config(*cli);
  if (!config.ok()) {
    std::cerr << "ceiling-server: " << config.status().message() << "\n";
    return kExitUsage;
  }

  if (!server::fit_connections_to_fd_limit(*config, std::cerr, "ceiling-server")) {
    return kExitRuntime;
  }

  std::vector<server::Route> routes = server::capillary::capillary_routes();
  for (server::Route& r : routes) r.handler = &fixed_reply;
  ledger::Ledger ledger;
  server::ImmediateDurability gate;
  server::Server srv(*config, ledger, routes, gate);
  // A busy port or an address not on this machine is the caller's to fix, said in one line
  // as codeledgerd says it, not an abort on an uncaught exception.
  std::uint16_t port = 0;
  try {
    port = srv.start();
  } catch (const boost::system::system_error& e) {
    std::cerr << "ceiling-server: cannot listen on " << host_port(*config) << ": "
              << e.code().message() << "\n";
    return kExitRuntime;
  }
  std::printf("ceiling-server listening on %s:%u with %u threads\n", config->listen_host.c_str(),
              port, srv.threads());
  std::fflush(stdout);
  wait_for_signal();
  srv.stop();
  return 0;
}
