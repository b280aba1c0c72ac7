// Redeem (Capillary's redemption body), redemption history per code, and reversal.
#include "ledger/activate_key.h"
#include "server/capillary/common.h"
#include "server/capillary/handlers.h"
#include "server/capillary/views.h"

namespace codeledger::server::capillary {

using wire::Need;

namespace {

// Bounds on what one redemption item may claim; the ledger applies the promotion's limits.
constexpr std::int64_t kRedemptionCountMax = 1'000;
constexpr std::int64_t kAmountMax = INT64_MAX / 4;  // minor units; never summed (ledger, redeem.cc)

// One entry of redemptions[]: {code, mode?} or {earnedPromotionId}, plus optional
// promotionId, discount and redemptionCount. The code's text is read, not judged: every
// item's fields are read before any code is (judge_code), so a text over kCodeTextBytesMax in
// a later item is the 400 api.md promises ("before any code is judged"), not a 90x for an
// earlier item's code.
Status read_item(wire::dom::element e, std::size_t index, ledger::RedemptionItem& item) {
  const std::string where = "redemptions[" + std::to_string(index) + "]";
  wire::dom::object obj;
  if (Status s = wire::read_object(e, where, obj); !s.ok()) return s;
  wire::Fields f(obj, where + ".");
  const auto code = f.string("code", Need::kOptional, kCodeTextBytesMax);
  const auto mode = f.mode("mode", Need::kOptional);
  const auto earned = f.object_id("earnedPromotionId", Need::kOptional);
  const auto promotion = f.object_id("promotionId", Need::kOptional);
  const auto discount = f.integer("discount", Need::kOptional, 0, kAmountMax);
  const auto count = f.integer("redemptionCount", Need::kOptional, 1, kRedemptionCountMax);
  if (f.ok() && code.has_value() == earned.has_value()) {
    f.fail(Status(ErrorCode::kInvalidRequest,
                  where + " must name exactly one of code and earnedPromotionId"));
  }
  if (!f.ok()) return f.status();
  if (code) item.mode = mode.value_or(ledger::Mode::kDiscount);
  item.earned_promotion_id = earned;
  if (promotion) item.promotion_id = *promotion;
  item.discount = discount.value_or(0);
  item.count = static_cast<std::uint32_t>(count.value_or(1));
  return Status::Ok();
}

// 902-905 for a malformed code of item `index`, naming the item's field.
Status judge_code(std::size_t index, std::string_view code, ledger::RedemptionItem& item) {
  auto key = ledger::CodeKey::make(code);
  if (!key.ok()) {
    // An empty code names nothing after the field: "redemptions[0].code: code '' is ...".
    const std::string subject = "redemptions[" + std::to_string(index) + "].code" +
                                (code.empty() ? "" : " " + std::string(code));
    return Status(key.status().code(), about(subject, key.status().message()));
  }
  item.code = *key;
  return Status::Ok();
}

Result<ledger::RedeemRequest> read_redeem(wire::dom::object body, const RequestContext& ctx) {
  const ledger::LedgerLimits& limits = ctx.ledger.options().limits;
  wire::Fields f(body);
  ledger::RedeemRequest req;
  const auto customer = f.customer_id("customerId", Need::kRequired);
  const auto txn_id = f.string("transactionIdentifier", Need::kRequired, limits.identifier_bytes_max);
  const auto txn_no = f.string("transactionNumber", Need::kOptional, limits.identifier_bytes_max);
  const auto txn_date = f.integer("transactionDate", Need::kOptional, 0, wire::kIsoTimeMaxMs);
  const auto amount = f.integer("amount", Need::kOptional, 0, kAmountMax);
  const auto items = f.array("redemptions", Need::kRequired, limits.items_per_redemption_max);
  if (f.ok() && txn_id->empty()) {
    f.fail(Status(ErrorCode::kInvalidRequest, "transactionIdentifier must not be empty"));
  }
  // Only Altcraft's activate names a redemption so: a client naming one could hold the keys
  // a code's next activates claim, or push its activate number to the bound, and lock its
  // activates out (ledger/activate_key.h). Reading and reversing such names stay open.
  if (f.ok() && txn_id->starts_with(ledger::kActivateKeyPrefix)) {
    f.fail(Status(ErrorCode::kInvalidRequest,
                  "transactionIdentifier must not start with '" +
                      std::string(ledger::kActivateKeyPrefix) +
                      "': that prefix is reserved for Altcraft's activate"));
  }
  if (f.ok() && items->size() == 0) {
    f.fail(Status(ErrorCode::kInvalidRequest, "redemptions must hold at least one item"));
  }
  if (!f.ok()) return f.status();
  req.customer = *customer;
  req.transaction_identifier = std::string(*txn_id);
  req.transaction_number = std::string(txn_no.value_or(""));
  // 0 is the ledger's "no time" (shown as null): given, it means the same as left out, the
  // time of the call (probe 33: a transactionDate of 0 came back null).
  req.transaction_date_ms = txn_date && *txn_date != 0 ? *txn_date : ctx.now_ms;
  req.amount = amount.value_or(0);
  req.amount_given = amount.has_value();
  std::size_t index = 0;
  for (wire::dom::element e : *items) {
    ledger::RedemptionItem& item = req.items.emplace_back();
    if (Status s = read_item(e, index++, item); !s.ok()) return s;
  }
  index = 0;
  for (wire::dom::element e : *items) {
    std::string_view code;  // read_item found it a string within bounds, absent or null
    if (e["code"].get(code) == simdjson::SUCCESS) {
      if (Status s = judge_code(index, code, req.items[index]); !s.ok()) return s;
    }
    ++index;
  }
  return req;
}

Result<std::pair<ledger::CustomerId, std::string>> read_reverse(wire::dom::object body,
                                                                const RequestContext& ctx) {
  wire::Fields f(body);
  const auto customer = f.customer_id("customerId", Need::kRequired);
  const auto txn_id = f.string("transactionIdentifier", Need::kRequired,
                               ctx.ledger.options().limits.identifier_bytes_max);
  if (f.ok() && txn_id->empty()) {
    f.fail(Status(ErrorCode::kInvalidRequest, "transactionIdentifier must not be empty"));
  }
  if (!f.ok()) return f.status();
  return std::pair{*customer, std::string(*txn_id)};
}

}  // namespace

Reply redeem(RequestContext& ctx) {
  auto body = body_object(ctx);
  if (!body.ok()) return capillary_error(body.status());
  auto request = read_redeem(*body, ctx);
  if (!request.ok()) return capillary_error(request.status());

  ledger::Op op = make_op(ctx);
  auto outcome = ctx.ledger.redeem(op, std::move(*request));
  if (!outcome.ok()) return fail(outcome.status(), op);
  Envelope env;
  write_redemption(env.data(), outcome->redemption, org_zone(ctx));
  Reply reply = env.finish(true, op.visible_lsn);
  // The same transactionIdentifier again answers the first result; say so for the client.
  if (outcome->replayed) reply.headers.emplace_back("Idempotent-Replayed", "true");
  return reply;
}

Reply redemption_history(RequestContext& ctx) {
  ledger::Mode mode{};
  std::vector<std::string> codes;
  Status s = query_mode(ctx, mode);
  if (s.ok()) s = query_codes(ctx, ctx.ledger.options().limits.codes_per_call_max, codes);
  if (!s.ok()) return capillary_error(s);

  ledger::Op op = make_op(ctx);
  const auto results = ctx.ledger.redemption_history(op, mode, codes);
  const wire::IsoZone zone = org_zone(ctx);
  Envelope env;
  env.data().begin_array();
  bool any = false;
  for (std::size_t i = 0; i < results.size() && i < codes.size(); ++i) {
    if (!results[i].ok()) {
      const Status err = results[i].status();
      env.add_error(Status(err.code(), about(codes[i], err.message())));
      continue;
    }
    any = true;
    write_history_rows(env.data(), *results[i], codes[i], mode, zone);
  }
  env.data().end_array();
  return env.finish(any, op.visible_lsn);
}

Reply reverse_redemption(RequestContext& ctx) {
  auto body = body_object(ctx);
  if (!body.ok()) return capillary_error(body.status());
  auto request = read_reverse(*body, ctx);
  if (!request.ok()) return capillary_error(request.status());

  ledger::Op op = make_op(ctx);
  auto reversed = ctx.ledger.reverse_redemption(op, request->first, request->second);
  if (!reversed.ok()) return fail(reversed.status(), op);
  Envelope env;
  write_redemption(env.data(), *reversed, org_zone(ctx));
  return env.finish(true, op.visible_lsn);
}

}  // namespace codeledger::server::capillary
