// Customer profiles: bulk upsert, so the Altcraft dialect can match on the identifiers.
#include "server/capillary/common.h"
#include "server/capillary/handlers.h"

namespace codeledger::server::capillary {

using wire::Need;

namespace {

constexpr std::size_t kCustomFieldsMax = 64;

Status read_custom_fields(wire::Fields& f, std::string_view where, std::size_t bytes_max,
                          ledger::CustomerProfile& p) {
  const auto fields = f.object("customFields", Need::kOptional);
  if (!f.ok() || !fields) return f.status();
  if (fields->size() > kCustomFieldsMax) {
    return Status(ErrorCode::kInvalidRequest, std::string(where) + "customFields has more than " +
                                                  std::to_string(kCustomFieldsMax) + " fields");
  }
  for (auto [name, value] : *fields) {
    std::string_view text;
    const std::string field = std::string(where) + "customFields." + std::string(name);
    // The ledger keys custom fields as name NUL value: an empty name or a NUL in it is
    // refused here, so the message names the field as for every other 400.
    if (name.empty() || name.find('\0') != std::string_view::npos) {
      return Status(ErrorCode::kInvalidRequest,
                    std::string(where) + "customFields has a field name that is empty or holds a "
                                         "NUL character");
    }
    if (name.size() > bytes_max) {
      return Status(ErrorCode::kInvalidRequest, field + " name is longer than " +
                                                    std::to_string(bytes_max) + " bytes");
    }
    if (Status s = wire::read_string(value, field, bytes_max, text); !s.ok()) return s;
    p.custom_fields.emplace_back(std::string(name), std::string(text));
  }
  return Status::Ok();
}

Status read_profile(wire::dom::element e, std::size_t index, std::size_t bytes_max,
                    ledger::CustomerProfile& p) {
  const std::string where = "customers[" + std::to_string(index) + "]";
  wire::dom::object obj;
  if (Status s = wire::read_object(e, where, obj); !s.ok()) return s;
  wire::Fields f(obj, where + ".");
  p.id = f.customer_id("customerId", Need::kRequired).value_or(0);
  p.external_id = std::string(f.string("externalId", Need::kOptional, bytes_max).value_or(""));
  p.email = std::string(f.string("email", Need::kOptional, bytes_max).value_or(""));
  p.phone = std::string(f.string("phone", Need::kOptional, bytes_max).value_or(""));
  return read_custom_fields(f, where + ".", bytes_max, p);
}

}  // namespace

Reply upsert_customers(RequestContext& ctx) {
  const ledger::LedgerLimits& limits = ctx.ledger.options().limits;
  auto arr = body_array(ctx, "request body", limits.profiles_per_upsert_max);
  if (!arr.ok()) return capillary_error(arr.status());
  if (arr->size() == 0) {
    return capillary_error(
        Status(ErrorCode::kInvalidRequest, "request body must list at least one customer"));
  }
  std::vector<ledger::CustomerProfile> profiles(arr->size());
  std::size_t index = 0;
  for (wire::dom::element e : *arr) {
    if (Status s = read_profile(e, index, limits.identifier_bytes_max, profiles[index]); !s.ok()) {
      return capillary_error(s);
    }
    ++index;
  }
  // The ledger stores a customer listed twice once (its last entry), and refuses the call
  // whole (409) when an externalId, email or phone would name two customers.
  ledger::Op op = make_op(ctx);
  auto upserted = ctx.ledger.upsert_customers(op, profiles);
  if (!upserted.ok()) return fail(upserted.status(), op);
  Envelope env;
  env.data().begin_object().field("upserted", *upserted).end_object();
  return env.finish(true, op.visible_lsn);
}

}  // namespace codeledger::server::capillary
