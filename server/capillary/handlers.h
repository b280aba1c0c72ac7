// Every Capillary handler, grouped by the file that defines it. Each is a free function from
// an authenticated request to a Reply (server/http/handler.h), testable without sockets.
// docs/api.md documents requests, responses and errors.
#pragma once

#include "server/http/handler.h"

namespace codeledger::server::capillary {

// codes.cc: seed 000 link and seed 002 lookup.
Reply link_code(RequestContext& ctx);                 // POST promotions/code/link
Reply get_codes(RequestContext& ctx);                 // GET  promotions/code
Reply get_codes_posted(RequestContext& ctx);          // POST promotions/code, empty body (seed 002's curl)

// redemptions.cc
Reply redeem(RequestContext& ctx);                    // POST promotions/redemptions
Reply redemption_history(RequestContext& ctx);        // GET  promotions/redemptions
Reply reverse_redemption(RequestContext& ctx);        // POST promotions/redemptions/reverse

// earn.cc: seed 003 and the wallet.
Reply issue_bulk(RequestContext& ctx);                // POST promotions/{promotionId}/issueBulk
Reply earn(RequestContext& ctx);                      // POST promotions/{promotionId}/earn
Reply revoke_earn(RequestContext& ctx);               // POST promotions/revokeEarn
Reply customer_wallet(RequestContext& ctx);           // GET  promotions/customer/{customerId}

// promotions.cc: administration.
Reply create_promotion(RequestContext& ctx);          // POST promotions
Reply update_promotion(RequestContext& ctx);          // PUT  promotions/{promotionId}
Reply activate_promotion(RequestContext& ctx);        // POST promotions/{promotionId}/activate
Reply deactivate_promotion(RequestContext& ctx);      // POST promotions/{promotionId}/deactivate
Reply get_promotion(RequestContext& ctx);             // GET  promotions/{promotionId}
Reply list_promotions(RequestContext& ctx);           // GET  promotions

// code_admin.cc
Reply import_codes(RequestContext& ctx);              // POST promotions/{promotionId}/codes
Reply generate_codes(RequestContext& ctx);            // POST promotions/{promotionId}/codes/generate
Reply export_codes(RequestContext& ctx);              // GET  promotions/{promotionId}/codes

// customers.cc
Reply upsert_customers(RequestContext& ctx);          // POST customers/bulk

}  // namespace codeledger::server::capillary
