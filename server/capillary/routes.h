// The Capillary cart-promotion dialect (`/api_gateway/v1/...`, seeds 000-003): the route
// table the HTTP router serves. Handlers are free functions (see server/http/handler.h);
// literal segments come before `{name}` segments that could match the same path, so a
// first-match router picks `/promotions/code` over `/promotions/{promotionId}`.
#pragma once

#include <vector>

#include "server/http/handler.h"

namespace codeledger::server::capillary {

std::vector<Route> capillary_routes();

}  // namespace codeledger::server::capillary
