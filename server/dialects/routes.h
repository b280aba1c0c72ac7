// Both dialects' routes in one table: what codeledgerd serves, and what the fuzz targets
// dispatch to (tests/fuzz/demo_world.cc), so the two cannot drift apart.
#pragma once

#include <vector>

#include "server/http/handler.h"

namespace codeledger::server {

// Capillary's routes, then Altcraft's.
std::vector<Route> dialect_routes();

}  // namespace codeledger::server
