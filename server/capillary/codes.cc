// Seed 000 (link a code to a customer) and seed 002 (look codes up).
#include "server/capillary/common.h"
#include "server/capillary/handlers.h"
#include "server/capillary/views.h"

namespace codeledger::server::capillary {

using wire::Need;

Reply link_code(RequestContext& ctx) {
  auto body = body_object(ctx);
  if (!body.ok()) return capillary_error(body.status());
  wire::Fields f(*body);
  const auto customer = f.customer_id("customerId", Need::kRequired);
  const auto code = f.string("code", Need::kRequired, kCodeTextBytesMax);
  const auto mode = f.mode("mode", Need::kRequired);
  if (!f.ok()) return capillary_error(f.status());

  ledger::Op op = make_op(ctx);
  auto linked = ctx.ledger.link_code(op, *mode, *code, *customer);
  if (!linked.ok()) {
    const Status s = linked.status();
    return fail(Status(s.code(), about(*code, s.message())), op);
  }
  Envelope env;
  write_code(env.data(), *linked, org_zone(ctx), false);
  return env.finish(true, op.visible_lsn);
}

// One record per code in request order; an unknown or malformed code is reported in
// `errors` (naming the code) and does not fail the others.
Reply get_codes(RequestContext& ctx) {
  ledger::Mode mode{};
  bool include_redemptions = false;
  std::vector<std::string> codes;
  Status s = query_mode(ctx, mode);
  if (s.ok()) s = query_bool(ctx, "includeRedemptions", include_redemptions);
  if (s.ok()) s = query_codes(ctx, ctx.ledger.options().limits.codes_per_call_max, codes);
  if (!s.ok()) return capillary_error(s);

  ledger::Op op = make_op(ctx);
  const auto results = ctx.ledger.get_codes(op, mode, codes, include_redemptions);
  const wire::IsoZone zone = org_zone(ctx);
  Envelope env;
  env.data().begin_array();
  bool any = false;
  for (std::size_t i = 0; i < results.size() && i < codes.size(); ++i) {
    if (results[i].ok()) {
      write_code(env.data(), *results[i], zone, include_redemptions);
      any = true;
    } else {
      const Status err = results[i].status();
      env.add_error(Status(err.code(), about(codes[i], err.message())));
    }
  }
  env.data().end_array();
  return env.finish(any, op.visible_lsn);
}

// Seed 002's own example request is `curl ... --data ''`, which curl sends as a POST with an
// empty body: clients copied from it are served exactly as the GET. A body is refused, not
// ignored: the look-up reads only the query, and a client that put its codes in the body
// would otherwise get an answer about other codes, or a 400 about a missing parameter that
// it believes it sent.
Reply get_codes_posted(RequestContext& ctx) {
  if (!ctx.request.body().empty()) {
    return capillary_error(http::status::bad_request, 400,
                           "POST /api_gateway/v1/promotions/code takes no body: give codes and "
                           "mode in the query string, as for GET");
  }
  return get_codes(ctx);
}

}  // namespace codeledger::server::capillary
