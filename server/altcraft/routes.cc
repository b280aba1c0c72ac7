#include "server/altcraft/routes.h"

#include "server/altcraft/handlers.h"

namespace codeledger::server::altcraft {

// Scopes follow the Capillary routes: reading one code is `read`, changing a code or its
// attachment is `write`, and bulk import and export of a whole program are `admin`.
std::vector<Route> altcraft_routes() {
  using http::verb;
  const std::string p = "/api/v1.1/promocodes/";
  return {
      {verb::post, p + "attach", &attach, Scope::kWrite},
      {verb::post, p + "detach", &detach, Scope::kWrite},
      {verb::post, p + "get", &get_code, Scope::kRead},
      {verb::post, p + "activate", &activate, Scope::kWrite},
      {verb::post, p + "update", &update, Scope::kWrite},
      // Bulk calls run long: off the io threads (server/http/background_lane.h).
      {verb::post, p + "import", &import_codes, Scope::kAdmin, Lane::kBackground},
      {verb::post, p + "export_all", &export_all, Scope::kAdmin, Lane::kBackground},
  };
}

}  // namespace codeledger::server::altcraft
