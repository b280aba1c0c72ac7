// ceiling-server: codeledgerd's own HTTP stack (server/http Server: per-thread io_context,
// SO_REUSEPORT acceptors, keep-alive sessions, auth, routing, date cache) serving the very
// same Capillary routes, but every handler returns one fixed small JSON answer without
// touching the ledger. What codeledgerd does on top of this is ledger work and durability,
// so codeledgerd / ceiling is the share of the HTTP stack's speed the ledger keeps.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "server/capillary/routes.h"
#include "server/http/config.h"
#include "server/http/fd_limit.h"
#include "server/http/server.h"

namespace {

using namespace codeledger;

// Shaped like a created promotion, so ledger-load's set-up phase accepts it too.
constexpr std::string_view kFixedBody =
    R"({"data":{"id":"000000000000000000000000","code":"CEILING0","redemptionCount":0}})";

server::Reply fixed_reply(server::RequestContext&) {
  server::Reply r;
  r.body = kFixedBody;
  return r;
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
  if (!cli.ok() || cli->help) {
    std::cerr << "usage: ceiling-server [--config FILE] [--listen HOST:PORT] [--threads N]\n";
    return cli.ok() ? 0 : 2;
  }
  // Same configuration path as codeledgerd (config file or the embedded demo, then flags),
  // so keys, rate limits, threads and HTTP limits match the server it is compared with.
  auto config = server::resolve_config(*cli);
  if (!config.ok()) {
    std::cerr << "ceiling-server: " << config.status().message() << "\n";
    return 2;
  }

  if (!server::fit_connections_to_fd_limit(*config, std::cerr, "ceiling-server")) return 1;

  std::vector<server::Route> routes = server::capillary::capillary_routes();
  for (server::Route& r : routes) r.handler = &fixed_reply;
  ledger::Ledger ledger;
  server::ImmediateDurability gate;
  server::Server srv(*config, ledger, routes, gate);
  const std::uint16_t port = srv.start();
  std::printf("ceiling-server listening on %s:%u with %u threads\n", config->listen_host.c_str(),
              port, srv.threads());
  std::fflush(stdout);
  wait_for_signal();
  srv.stop();
  return 0;
}
