// The Altcraft promocodes dialect (seed 004 and the rest of Altcraft's promocodes methods):
// the route table the HTTP router serves. Every route is under /api/v1.1/, where the
// dispatcher lets a request without an Authorization header through to the handler, which
// then authenticates the body's `token` itself (server/http/handler.h).
#pragma once

#include <vector>

#include "server/http/handler.h"

namespace codeledger::server::altcraft {

std::vector<Route> altcraft_routes();

}  // namespace codeledger::server::altcraft
