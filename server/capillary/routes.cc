#include "server/capillary/routes.h"

#include "server/capillary/handlers.h"

namespace codeledger::server::capillary {

std::vector<Route> capillary_routes() {
  using http::verb;
  const std::string p = "/api_gateway/v1/promotions";
  // The router never reads a literal word here ("code", "customer") as a {promotionId}
  // (server/http/router.h); literal paths come first all the same, for the reader.
  return {
      {verb::post, p + "/code/link", &link_code, Scope::kWrite},
      {verb::get, p + "/code", &get_codes, Scope::kRead},
      {verb::post, p + "/code", &get_codes_posted, Scope::kRead},  // seed 002's example request
      {verb::post, p + "/redemptions/reverse", &reverse_redemption, Scope::kWrite},
      {verb::post, p + "/redemptions", &redeem, Scope::kWrite},
      {verb::get, p + "/redemptions", &redemption_history, Scope::kRead},
      {verb::post, p + "/revokeEarn", &revoke_earn, Scope::kWrite},
      {verb::get, p + "/customer/{customerId}", &customer_wallet, Scope::kRead},
      {verb::post, p + "/{promotionId}/issueBulk", &issue_bulk, Scope::kWrite},
      {verb::post, p + "/{promotionId}/earn", &earn, Scope::kWrite},
      {verb::post, p + "/{promotionId}/activate", &activate_promotion, Scope::kAdmin},
      {verb::post, p + "/{promotionId}/deactivate", &deactivate_promotion, Scope::kAdmin},
      // Bulk calls run long (up to about a second): off the io threads.
      {verb::post, p + "/{promotionId}/codes/generate", &generate_codes, Scope::kAdmin, Lane::kBackground},
      {verb::post, p + "/{promotionId}/codes", &import_codes, Scope::kAdmin, Lane::kBackground},
      {verb::get, p + "/{promotionId}/codes", &export_codes, Scope::kAdmin, Lane::kBackground},  // every code: admin
      {verb::put, p + "/{promotionId}", &update_promotion, Scope::kAdmin},
      {verb::get, p + "/{promotionId}", &get_promotion, Scope::kRead},
      {verb::post, p, &create_promotion, Scope::kAdmin},
      {verb::get, p, &list_promotions, Scope::kRead},
      {verb::post, "/api_gateway/v1/customers/bulk", &upsert_customers, Scope::kWrite},
  };
}

}  // namespace codeledger::server::capillary
