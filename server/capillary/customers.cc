// Customer profiles: bulk upsert, so the Altcraft dialect can match on the identifiers.
#include "server/capillary/common.h"
#include "server/capillary/handlers.h"
#include "server/crypto/api_key_name.h"

namespace codeledger::server::capillary {

using wire::Need;

namespace {

constexpr std::size_t kCustomFieldsMax = 64;

// What a promotion's name may not hold either (promotions.cc): no NUL, line break or other
// control character. A profile's identifiers and custom fields are what Altcraft's matching
// compares, and an XML request cannot carry most of them (a control character other than
// tab, LF and CR is refused there), so such a profile could not be matched from XML; they
// also come back in answers (get's profile_id) and in messages, where XML cannot carry them
// and shows U+FFFD instead (probe 39).
Status holds_control_chars(const std::string& field) {
  return Status(ErrorCode::kInvalidRequest, field + " must not hold control characters");
}

// An optional identifier of the profile (externalId, email, phone): "" when absent.
std::string identifier(wire::Fields& f, const std::string& where, std::string_view name,
                       std::size_t bytes_max) {
  const std::string_view text = f.string(name, Need::kOptional, bytes_max).value_or("");
  if (crypto::has_control_char(text)) f.fail(holds_control_chars(where + std::string(name)));
  return std::string(text);
}

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
    // refused here (as every control character is), so the message names the field as for
    // every other 400.
    if (name.empty() || crypto::has_control_char(name)) {
      return Status(ErrorCode::kInvalidRequest,
                    std::string(where) + "customFields has a field name that is empty or holds a "
                                         "control character");
    }
    if (name.size() > bytes_max) {
      return Status(ErrorCode::kInvalidRequest, field + " name is longer than " +
                                                    std::to_string(bytes_max) + " bytes");
    }
    if (Status s = wire::read_string(value, field, bytes_max, text); !s.ok()) return s;
    if (crypto::has_control_char(text)) return holds_control_chars(field);
    p.custom_fields.emplace_back(std::string(name), std::string(text));
  }
  return Status::Ok();
}

Status read_profile(wire::dom::element e, std::size_t index, std::size_t bytes_max,
                    ledger::CustomerProfile& p) {
  const std::string where = "customers[" + std::to_string(index) + "]";
  wire::dom::object obj;
  if (Status s = wire::read_object(e, where, obj); !s.ok()) return s;
  const std::string prefix = where + ".";
  wire::Fields f(obj, prefix);
  p.id = f.customer_id("customerId", Need::kRequired).value_or(0);
  p.external_id = identifier(f, prefix, "externalId", bytes_max);
  p.email = identifier(f, prefix, "email", bytes_max);
  p.phone = identifier(f, prefix, "phone", bytes_max);
  return read_custom_fields(f, prefix, bytes_max, p);
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
