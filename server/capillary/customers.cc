// Customer profiles: bulk upsert, so the Altcraft dialect can match on the identifiers.
#include <mutex>
#include <unordered_map>
#include <unordered_set>

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

// A profile's identifiers that Altcraft's `matching` finds a customer by, with the field
// name messages use. Each must identify one customer of the organisation: the ledger's
// lookup index holds one customer per value, so a second holder would make `profile_id`
// (externalId), `email` or `phone` matching attach codes to whichever was upserted last —
// a personal code on the wrong person. Custom fields are not included: they carry shared
// data too ("tier": "gold"), so they stay free, and docs/api.md says matching on a shared
// value is not reliable.
struct Identifier {
  ledger::MatchBy by;
  std::string_view field;
  const std::string& value;
};

std::vector<Identifier> identifiers_of(const ledger::CustomerProfile& p) {
  std::vector<Identifier> out;
  if (!p.external_id.empty()) out.push_back({ledger::MatchBy::kExternalId, "externalId", p.external_id});
  if (!p.email.empty()) out.push_back({ledger::MatchBy::kEmail, "email", p.email});
  if (!p.phone.empty()) out.push_back({ledger::MatchBy::kPhone, "phone", p.phone});
  return out;
}

Status identifier_taken(std::size_t index, const Identifier& id, ledger::CustomerId holder) {
  return Status(ErrorCode::kConflict,
                "customers[" + std::to_string(index) + "]." + std::string(id.field) + " '" +
                    id.value.substr(0, kQuotedValueBytesMax) + "' already belongs to customer " +
                    std::to_string(holder) + ": it must identify one customer");
}

// The profiles one call stores: a customer listed twice is stored once, with its last
// entry (the one applying them in order would leave). Returns their indexes in the body.
std::vector<std::size_t> last_entry_per_customer(const std::vector<ledger::CustomerProfile>& all) {
  std::unordered_map<ledger::CustomerId, std::size_t> last;
  for (std::size_t i = 0; i < all.size(); ++i) last[all[i].id] = i;
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (last[all[i].id] == i) kept.push_back(i);
  }
  return kept;
}

// 409 when storing `kept` would give an identifier two customers: two entries of the call
// claim it, or a customer outside the call holds it. A holder inside the call is releasing
// it (its new entry does not claim it, or the first check would have refused).
Status check_identifiers_unique(ledger::Ledger& ledger, ledger::Op& op,
                                const std::vector<ledger::CustomerProfile>& all,
                                const std::vector<std::size_t>& kept) {
  std::unordered_map<std::string, ledger::CustomerId> claimed;  // "field NUL value"
  std::unordered_set<ledger::CustomerId> in_call;
  for (std::size_t i : kept) {
    in_call.insert(all[i].id);
    for (const Identifier& id : identifiers_of(all[i])) {
      const auto [it, fresh] = claimed.emplace(std::string(id.field) + '\0' + id.value, all[i].id);
      if (!fresh) return identifier_taken(i, id, it->second);
    }
  }
  for (std::size_t i : kept) {
    for (const Identifier& id : identifiers_of(all[i])) {
      auto holder = ledger.find_customer(op, {id.by, id.value, {}});
      if (!holder.ok() && holder.status().code() == ErrorCode::kNotFound) continue;
      if (!holder.ok()) return holder.status();
      if (holder->id != all[i].id && !in_call.contains(holder->id)) {
        return identifier_taken(i, id, holder->id);
      }
    }
  }
  return Status::Ok();
}

// Check and upsert must be one step, or two concurrent calls could both find an identifier
// free and both take it. Every profile write of a running server comes through here (the
// demo seeds its profiles before serving), so one mutex makes the pair atomic; the check runs
// before the event is logged, so replaying the log never needs it. Upserts are occasional
// CRM syncs, not checkout traffic, so serialising them costs nothing that matters.
std::mutex upsert_mu;

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
  const std::vector<std::size_t> kept = last_entry_per_customer(profiles);
  ledger::Op op = make_op(ctx);
  std::lock_guard lock(upsert_mu);
  if (Status s = check_identifiers_unique(ctx.ledger, op, profiles, kept); !s.ok()) {
    return fail(s, op);
  }
  std::vector<ledger::CustomerProfile> stored;
  stored.reserve(kept.size());
  for (std::size_t i : kept) stored.push_back(std::move(profiles[i]));
  auto upserted = ctx.ledger.upsert_customers(op, stored);
  if (!upserted.ok()) return fail(upserted.status(), op);
  Envelope env;
  env.data().begin_object().field("upserted", *upserted).end_object();
  return env.finish(true, op.visible_lsn);
}

}  // namespace codeledger::server::capillary
