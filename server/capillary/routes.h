// The Capillary cart-promotion dialect (`/api_gateway/v1/...`, seeds 000-003): the route
// table the HTTP router serves. Handlers are free functions (see server/http/handler.h).
// The router never takes a literal segment of one route (`/promotions/code`) as the value
// of another's `{name}` (`/promotions/{promotionId}`), whatever the order or the method.
#pragma once

#include <vector>

#include "server/http/handler.h"

namespace codeledger::server::capillary {

std::vector<Route> capillary_routes();

}  // namespace codeledger::server::capillary
