// Promotion administration: create, update, activate/deactivate, get, list.
#include "server/capillary/common.h"
#include "server/capillary/handlers.h"
#include "server/capillary/views.h"
#include "server/crypto/api_key_name.h"

namespace codeledger::server::capillary {

using wire::Need;

namespace {

constexpr std::int64_t kLimitMax = UINT32_MAX;  // per-code / per-customer counters are 32-bit

std::optional<std::uint32_t> limit_field(wire::Fields& f, std::string_view name) {
  const auto v = f.integer(name, Need::kOptional, 0, kLimitMax);
  if (!v) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

std::optional<ledger::TimeMs> time_field(wire::Fields& f, std::string_view name) {
  return f.integer(name, Need::kOptional, 0, wire::kIsoTimeMaxMs);
}

std::optional<std::string> name_field(wire::Fields& f, Need need, std::size_t bytes_max) {
  const auto name = f.string("name", need, bytes_max);
  if (!name) return std::nullopt;
  if (name->empty()) {
    f.fail(Status(ErrorCode::kInvalidRequest, "name must not be empty"));
    return std::nullopt;
  }
  // A name is shown in answers, logs and ledgerctl's lines: no NUL, line break or other
  // control character that would cut or split them (probe 32).
  if (crypto::has_control_char(*name)) {
    f.fail(Status(ErrorCode::kInvalidRequest, "name must not hold control characters"));
    return std::nullopt;
  }
  return std::string(*name);
}

// Fields create and update share, read into a patch (unset = not given).
ledger::PromotionPatch read_patch(wire::Fields& f, Need name_need, std::size_t name_bytes_max) {
  ledger::PromotionPatch p;
  p.name = name_field(f, name_need, name_bytes_max);
  p.valid_from_ms = time_field(f, "validFrom");
  p.valid_till_ms = time_field(f, "validTill");
  p.active = f.boolean("active", Need::kOptional);
  p.per_code_redemptions_max = limit_field(f, "perCodeRedemptionLimit");
  p.per_customer_redemptions_max = limit_field(f, "perCustomerRedemptionLimit");
  p.per_customer_earns_max = limit_field(f, "perCustomerEarnLimit");
  p.earn_validity_ms = f.integer("earnValidityMs", Need::kOptional, 0, wire::kIsoTimeMaxMs);
  if (f.ok() && p.valid_from_ms && p.valid_till_ms && *p.valid_till_ms != ledger::kNoTime &&
      *p.valid_till_ms <= *p.valid_from_ms) {
    f.fail(Status(ErrorCode::kInvalidRequest, "validTill must be later than validFrom"));
  }
  return p;
}

Result<ledger::PromotionSpec> read_spec(wire::dom::object body, std::size_t name_bytes_max) {
  wire::Fields f(body);
  ledger::PromotionSpec spec;
  const auto mode = f.mode("mode", Need::kRequired);
  const auto kind_text = f.string("kind", Need::kOptional, 32);
  const ledger::PromotionPatch p = read_patch(f, Need::kRequired, name_bytes_max);
  std::optional<ledger::PromotionKind> kind = ledger::PromotionKind::kCodeLinked;
  if (f.ok() && kind_text) {
    kind = ledger::parse_kind(*kind_text);
    if (!kind) f.fail(Status(ErrorCode::kInvalidRequest, "kind must be CODE_LINKED or ISSUABLE"));
  }
  if (!f.ok()) return f.status();
  spec.name = *p.name;
  spec.mode = *mode;
  spec.kind = *kind;
  spec.valid_from_ms = p.valid_from_ms.value_or(spec.valid_from_ms);
  spec.valid_till_ms = p.valid_till_ms.value_or(spec.valid_till_ms);
  spec.active = p.active.value_or(spec.active);
  spec.per_code_redemptions_max = p.per_code_redemptions_max.value_or(spec.per_code_redemptions_max);
  spec.per_customer_redemptions_max =
      p.per_customer_redemptions_max.value_or(spec.per_customer_redemptions_max);
  spec.per_customer_earns_max = p.per_customer_earns_max.value_or(spec.per_customer_earns_max);
  spec.earn_validity_ms = p.earn_validity_ms.value_or(spec.earn_validity_ms);
  return spec;
}

Reply promotion_reply(const RequestContext& ctx, const ledger::PromotionView& p,
                      const ledger::Op& op) {
  Envelope env;
  write_promotion(env.data(), p, org_zone(ctx));
  return env.finish(true, op.visible_lsn);
}

Reply set_active(RequestContext& ctx, bool active) {
  ledger::ObjectId id;
  if (Status s = path_promotion_id(ctx, id); !s.ok()) return capillary_error(s);
  ledger::PromotionPatch patch;
  patch.active = active;
  ledger::Op op = make_op(ctx);
  auto updated = ctx.ledger.update_promotion(op, id, patch);
  if (!updated.ok()) return fail(updated.status(), op);
  return promotion_reply(ctx, *updated, op);
}

}  // namespace

Reply create_promotion(RequestContext& ctx) {
  auto body = body_object(ctx);
  if (!body.ok()) return capillary_error(body.status());
  auto spec = read_spec(*body, ctx.ledger.options().limits.name_bytes_max);
  if (!spec.ok()) return capillary_error(spec.status());
  ledger::Op op = make_op(ctx);
  auto created = ctx.ledger.create_promotion(op, *spec);
  if (!created.ok()) return fail(created.status(), op);
  return promotion_reply(ctx, *created, op);
}

Reply update_promotion(RequestContext& ctx) {
  ledger::ObjectId id;
  if (Status s = path_promotion_id(ctx, id); !s.ok()) return capillary_error(s);
  auto body = body_object(ctx);
  if (!body.ok()) return capillary_error(body.status());
  wire::Fields f(*body);
  // Mode and kind decide which codes and wallets a promotion holds: fixed at creation.
  for (std::string_view fixed : {"mode", "kind"}) {
    if (f.has(fixed)) {
      f.fail(Status(ErrorCode::kInvalidRequest, std::string(fixed) + " cannot be changed"));
    }
  }
  const ledger::PromotionPatch patch =
      read_patch(f, Need::kOptional, ctx.ledger.options().limits.name_bytes_max);
  if (!f.ok()) return capillary_error(f.status());
  ledger::Op op = make_op(ctx);
  auto updated = ctx.ledger.update_promotion(op, id, patch);
  if (!updated.ok()) return fail(updated.status(), op);
  return promotion_reply(ctx, *updated, op);
}

Reply activate_promotion(RequestContext& ctx) { return set_active(ctx, true); }
Reply deactivate_promotion(RequestContext& ctx) { return set_active(ctx, false); }

Reply get_promotion(RequestContext& ctx) {
  ledger::ObjectId id;
  if (Status s = path_promotion_id(ctx, id); !s.ok()) return capillary_error(s);
  ledger::Op op = make_op(ctx);
  auto found = ctx.ledger.get_promotion(op, id);
  if (!found.ok()) return fail(found.status(), op);
  return promotion_reply(ctx, *found, op);
}

Reply list_promotions(RequestContext& ctx) {
  ledger::Op op = make_op(ctx);
  const auto all = ctx.ledger.list_promotions(op);
  const wire::IsoZone zone = org_zone(ctx);
  Envelope env;
  env.data().begin_array();
  for (const auto& p : all) write_promotion(env.data(), p, zone);
  env.data().end_array();
  return env.finish(true, op.visible_lsn);
}

}  // namespace codeledger::server::capillary
