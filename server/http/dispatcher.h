// From a parsed request to a Reply, without sockets: routing, query decoding, auth, scope
// check, the handler call. The session only reads, calls handle() and writes.
//
// Thread safety: handle() is called concurrently from every io thread; everything here is
// constant after construction except what Auth and the Ledger guard themselves.
#pragma once

#include <atomic>

#include "server/http/auth.h"
#include "server/http/gates.h"
#include "server/http/router.h"

namespace codeledger::server {

class Dispatcher {
 public:
  Dispatcher(ledger::Ledger& ledger, Auth& auth, Router router, Clock clock);

  Reply handle(const HttpRequest& request) const;
  const Router& router() const { return router_; }

 private:
  Reply call(const Endpoint& endpoint, const HttpRequest& request, std::string_view path,
             const QueryParams& query, const PathParams& params) const;

  ledger::Ledger& ledger_;
  Auth& auth_;
  Router router_;
  Clock clock_;
};

// The server's own endpoints: GET /healthz, GET /readyz, POST /v3/oauth/token/generate.
// `probe` may be null; `ready` is the server's "accepting traffic" flag. All references must
// outlive the router.
std::vector<Endpoint> builtin_endpoints(Auth& auth, const HealthProbe* probe,
                                        const std::atomic<bool>& ready);

}  // namespace codeledger::server
