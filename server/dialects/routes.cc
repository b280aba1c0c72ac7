#include "server/dialects/routes.h"

#include "server/altcraft/routes.h"
#include "server/capillary/routes.h"

namespace codeledger::server {

std::vector<Route> dialect_routes() {
  std::vector<Route> routes = capillary::capillary_routes();
  for (auto& r : altcraft::altcraft_routes()) routes.push_back(std::move(r));
  return routes;
}

}  // namespace codeledger::server
