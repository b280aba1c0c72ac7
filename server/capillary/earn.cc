// Seed 003 issue (bulk and single earn), revoking earned promotions, and the wallet.
#include <unordered_set>

#include "server/capillary/common.h"
#include "server/capillary/handlers.h"
#include "server/capillary/views.h"
#include "server/crypto/api_key_name.h"

namespace codeledger::server::capillary {

using wire::Need;

namespace {

// ?contextId= (required): recorded as the wallet entries' earnedFromId, and the key a retry
// is matched by. It must be text an answer shows as it is: the JSON writer shows bytes that
// are not UTF-8 as U+FFFD, so two keys looked alike and a retry with the key shown issued
// again (probe 41a). Checked as a JSON body is (simdjson's validator), and without the
// control characters a name may not hold either (promotions.cc), before anything is issued.
Status query_context_id(const RequestContext& ctx, std::string_view& out) {
  const std::string* id = nullptr;
  if (Status s = query_one(ctx, "contextId", id); !s.ok()) return s;
  if (id == nullptr || id->empty()) {
    return Status(ErrorCode::kInvalidRequest, "contextId is required");
  }
  const std::size_t max = ctx.ledger.options().limits.identifier_bytes_max;
  if (id->size() > max) {
    return Status(ErrorCode::kInvalidRequest,
                  "contextId is longer than " + std::to_string(max) + " bytes");
  }
  if (!simdjson::validate_utf8(id->data(), id->size())) {
    return Status(ErrorCode::kInvalidRequest, "contextId is not valid UTF-8");
  }
  if (crypto::has_control_char(*id)) {
    return Status(ErrorCode::kInvalidRequest, "contextId must not hold control characters");
  }
  out = *id;
  return Status::Ok();
}

// The issueBulk body: a non-empty array of customer ids (1006 when empty or holding an
// invalid id). Repeated ids are issued once.
Result<std::vector<ledger::CustomerId>> read_customer_list(const RequestContext& ctx) {
  auto arr = body_array(ctx, "request body", ctx.ledger.options().limits.customers_per_issue_max);
  if (!arr.ok()) return arr.status();
  if (arr->size() == 0) {
    return Status(ErrorCode::kInvalidCustomer, "request body must list at least one customerId");
  }
  std::vector<ledger::CustomerId> out;
  std::unordered_set<ledger::CustomerId> seen;
  std::size_t index = 0;
  for (wire::dom::element e : *arr) {
    ledger::CustomerId id = 0;
    const std::string field = "customerIds[" + std::to_string(index++) + "]";
    if (Status s = wire::read_customer_id(e, field, id); !s.ok()) return s;
    if (seen.insert(id).second) out.push_back(id);
  }
  return out;
}

struct IssueInput {
  ledger::ObjectId promotion;
  std::string_view context_id;
};

Status read_issue_input(const RequestContext& ctx, IssueInput& in) {
  if (Status s = path_promotion_id(ctx, in.promotion); !s.ok()) return s;
  return query_context_id(ctx, in.context_id);
}

Result<std::vector<ledger::EarnRevokeRequest>> read_revoke_details(wire::Fields& f,
                                                                   std::size_t ids_max) {
  const auto details = f.array("earnRevokeDetails", Need::kRequired, ids_max);
  if (!f.ok()) return f.status();
  std::vector<ledger::EarnRevokeRequest> out;
  std::size_t total = 0;
  std::size_t index = 0;
  for (wire::dom::element e : *details) {
    const std::string where = "earnRevokeDetails[" + std::to_string(index++) + "]";
    wire::dom::object obj;
    if (Status s = wire::read_object(e, where, obj); !s.ok()) return s;
    wire::Fields d(obj, where + ".");
    ledger::EarnRevokeRequest& req = out.emplace_back();
    req.promotion_id = d.object_id("promotionId", Need::kRequired).value_or(ledger::ObjectId{});
    const auto ids = d.array("earnIds", Need::kRequired, ids_max);
    if (!d.ok()) return d.status();
    total += ids->size();
    if (ids->size() == 0 || total > ids_max) {
      return Status(ErrorCode::kInvalidRequest,
                    where + ".earnIds must hold 1 to " + std::to_string(ids_max) + " ids in all");
    }
    std::size_t k = 0;
    for (wire::dom::element id : *ids) {
      ledger::ObjectId& earn_id = req.earn_ids.emplace_back();
      const std::string field = where + ".earnIds[" + std::to_string(k++) + "]";
      if (Status s = wire::read_object_id(id, field, earn_id); !s.ok()) return s;
    }
  }
  if (out.empty()) return Status(ErrorCode::kInvalidRequest, "earnRevokeDetails must not be empty");
  return out;
}

}  // namespace

Reply issue_bulk(RequestContext& ctx) {
  IssueInput in;
  if (Status s = read_issue_input(ctx, in); !s.ok()) return capillary_error(s);
  auto customers = read_customer_list(ctx);
  if (!customers.ok()) return capillary_error(customers.status());

  ledger::Op op = make_op(ctx);
  auto results = ctx.ledger.issue(op, in.promotion, in.context_id, *customers);
  if (!results.ok()) return fail(results.status(), op);
  Envelope env;
  env.data().begin_object();
  bool any = false;
  for (const ledger::IssueResult& r : *results) {
    const std::string customer = std::to_string(r.customer);
    if (r.earned.ok()) {
      env.data().dynamic_key(customer);
      write_issued(env.data(), *r.earned);
      any = true;
    } else {
      const Status err = r.earned.status();
      env.add_error(Status(err.code(), about("customer " + customer, err.message())));
    }
  }
  env.data().end_object();
  return env.finish(any, op.visible_lsn);
}

Reply earn(RequestContext& ctx) {
  IssueInput in;
  if (Status s = read_issue_input(ctx, in); !s.ok()) return capillary_error(s);
  auto body = body_object(ctx);
  if (!body.ok()) return capillary_error(body.status());
  wire::Fields f(*body);
  const auto customer = f.customer_id("customerId", Need::kRequired);
  if (!f.ok()) return capillary_error(f.status());

  ledger::Op op = make_op(ctx);
  const ledger::CustomerId one[] = {*customer};
  auto results = ctx.ledger.issue(op, in.promotion, in.context_id, one);
  if (!results.ok()) return fail(results.status(), op);
  CL_CHECK(results->size() == 1);
  const ledger::IssueResult& r = results->front();
  if (!r.earned.ok()) return fail(r.earned.status(), op);
  Envelope env;
  write_issued(env.data(), *r.earned);
  return env.finish(true, op.visible_lsn);
}

Reply revoke_earn(RequestContext& ctx) {
  auto body = body_object(ctx);
  if (!body.ok()) return capillary_error(body.status());
  wire::Fields f(*body);
  const auto customer = f.customer_id("customerId", Need::kRequired);
  auto details = read_revoke_details(f, ctx.ledger.options().limits.earn_ids_per_revoke_max);
  if (!details.ok()) return capillary_error(details.status());

  ledger::Op op = make_op(ctx);
  auto results = ctx.ledger.revoke_earns(op, *customer, *details);
  if (!results.ok()) return fail(results.status(), op);
  Envelope env;
  env.data().begin_array();
  bool any = false;
  for (const ledger::RevokeResult& r : *results) {
    const std::string earn_id = r.earn_id.hex();
    if (r.status.ok()) {
      env.data().begin_object().field("promotionId", r.promotion_id.hex_chars().view())
          .field("earnId", earn_id).field("status", "REVOKED").end_object();
      any = true;
    } else {
      env.add_error(Status(r.status.code(), about("earnId " + earn_id, r.status.message())));
    }
  }
  env.data().end_array();
  return env.finish(any, op.visible_lsn);
}

// `data` stays the array of entries the seed's clients read, a page of it; the cursor of
// the next page goes beside it.
Reply customer_wallet(RequestContext& ctx) {
  ledger::CustomerId customer = 0;
  std::string_view cursor;
  std::size_t limit = 0;
  Status s = wire::parse_customer_id(ctx.path.get("customerId"), "customerId", customer);
  if (s.ok()) {
    // Without `limit`, a page as large as they come: as large as a wallet grows under the
    // default wallet_entries_max, so a client of Capillary's unpaged wallet API that reads
    // `data` alone still sees whole wallets.
    const std::size_t page_max = ctx.ledger.options().limits.wallet_page_max;
    s = query_page(ctx, page_max, page_max, cursor, limit);
  }
  if (!s.ok()) return capillary_error(s);
  ledger::Op op = make_op(ctx);
  auto page = ctx.ledger.wallet(op, customer, cursor, limit);
  if (!page.ok()) return fail(page.status(), op);
  const wire::IsoZone zone = org_zone(ctx);
  Envelope env;
  env.data().begin_array();
  for (const ledger::EarnedView& e : page->entries) write_wallet_entry(env.data(), e, zone);
  env.data().end_array();
  env.next_cursor(page->next_cursor);
  return env.finish(true, op.visible_lsn);
}

}  // namespace codeledger::server::capillary
