// Handlers that the HTTP layer's socket tests route to in place of the dialect handlers.
#pragma once

#include <string>

#include "server/http/handler.h"

namespace codeledger::testing {

// POST /t/write: answers {"bytes":N}, the size of the body the server read for it, so a test
// can tell which body each request on a connection received.
inline server::Reply body_size_route(server::RequestContext& ctx) {
  server::Reply r;
  r.body = "{\"bytes\":" + std::to_string(ctx.request.body().size()) + "}";
  return r;
}

}  // namespace codeledger::testing
