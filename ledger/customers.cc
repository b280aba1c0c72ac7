// Customer profiles: the upsert command and its rule that an identifier names one customer.
#include <unordered_map>
#include <unordered_set>

#include "ledger/internal.h"

namespace codeledger::ledger {

using detail::OrgState;

std::uint64_t profile_bytes(const CustomerProfile& p) {
  std::uint64_t bytes = p.external_id.size() + p.email.size() + p.phone.size();
  for (const auto& [name, value] : p.custom_fields) {
    bytes += name.size() + value.size() + kProfileFieldOverheadBytes;
  }
  return bytes;
}

namespace {

Status check_profile(const CustomerProfile& p, std::size_t bytes_max) {
  if (p.id == 0) return Status(ErrorCode::kInvalidCustomer, "customerId must be positive");
  auto too_long = [&](const std::string& s) { return s.size() > bytes_max; };
  if (too_long(p.external_id) || too_long(p.email) || too_long(p.phone)) {
    return Status(ErrorCode::kInvalidRequest, "customer " + std::to_string(p.id) +
                                                  ": identifiers are limited to " +
                                                  std::to_string(bytes_max) + " bytes");
  }
  for (const auto& [name, value] : p.custom_fields) {
    if (name.empty() || too_long(name) || too_long(value) || name.find('\0') != std::string::npos) {
      return Status(ErrorCode::kInvalidRequest,
                    "customer " + std::to_string(p.id) + ": custom field name or value is invalid");
    }
  }
  return Status::Ok();
}

// A profile's identifiers that Altcraft's `matching` finds a customer by, with the field
// name messages use and the index that holds it. Each must identify one customer of the
// organisation: the index keeps one customer per value, so a second holder would make
// `profile_id` (externalId), `email` or `phone` matching attach codes to whichever was
// upserted last: a personal code on the wrong person. Custom fields are not included: they
// carry shared data too ("tier": "gold"), so they stay free, and docs/api.md says matching
// on a shared value is not reliable.
struct Identifier {
  std::string_view field;
  const std::string& value;
  const tsl::robin_map<std::string, CustomerId>& index;
};

std::vector<Identifier> identifiers_of(const CustomerProfile& p, const detail::CustomerIndexes& ix) {
  std::vector<Identifier> out;
  if (!p.external_id.empty()) out.push_back({"externalId", p.external_id, ix.by_external});
  if (!p.email.empty()) out.push_back({"email", p.email, ix.by_email});
  if (!p.phone.empty()) out.push_back({"phone", p.phone, ix.by_phone});
  return out;
}

// Messages quote at most this much of a value.
constexpr std::size_t kQuotedBytesMax = 64;

Status identifier_taken(std::size_t index, const Identifier& id, CustomerId holder) {
  return Status(ErrorCode::kConflict,
                "customers[" + std::to_string(index) + "]." + std::string(id.field) + " '" +
                    id.value.substr(0, kQuotedBytesMax) + "' already belongs to customer " +
                    std::to_string(holder) + ": it must identify one customer");
}

// The profiles one call stores: a customer listed twice is stored once, with its last
// entry (the one applying them in order would leave). Their indexes in the call, in order.
std::vector<std::size_t> last_entry_per_customer(std::span<const CustomerProfile> all) {
  std::unordered_map<CustomerId, std::size_t> last;
  for (std::size_t i = 0; i < all.size(); ++i) last[all[i].id] = i;
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (last[all[i].id] == i) kept.push_back(i);
  }
  return kept;
}

// kConflict when storing `kept` would give an identifier two customers: two entries of the
// call claim it, or a customer outside the call holds it. A holder inside the call is
// releasing it (its new entry does not claim it, or the first check would have refused).
Status check_identifiers_unique(const OrgState& org, std::span<const CustomerProfile> all,
                                const std::vector<std::size_t>& kept) {
  std::lock_guard lock(org.index_mu);
  std::unordered_map<std::string, CustomerId> claimed;  // "field NUL value"
  std::unordered_set<CustomerId> in_call;
  for (std::size_t i : kept) {
    in_call.insert(all[i].id);
    for (const Identifier& id : identifiers_of(all[i], org.indexes)) {
      const auto [it, fresh] = claimed.emplace(std::string(id.field) + '\0' + id.value, all[i].id);
      if (!fresh) return identifier_taken(i, id, it->second);
    }
  }
  for (std::size_t i : kept) {
    for (const Identifier& id : identifiers_of(all[i], org.indexes)) {
      const auto held = id.index.find(id.value);
      if (held == id.index.end()) continue;
      if (held->second != all[i].id && !in_call.contains(held->second)) {
        return identifier_taken(i, id, held->second);
      }
    }
  }
  return Status::Ok();
}

// 413 when storing `stored` in place of the customers' profiles would take the org past
// profile_bytes_per_org_max. Under upsert_mu and the customers' shard locks, so neither the
// org's count nor the profiles replaced can change before the commit.
Status check_profile_room(detail::Impl& impl, const OrgState& org,
                          std::span<const CustomerProfile> stored) {
  std::uint64_t adding = 0, replacing = 0;
  for (const CustomerProfile& p : stored) {
    adding += profile_bytes(p);
    detail::Shard& cs = impl.shard(impl.customer_shard(org.id, p.id));
    if (const detail::Customer* c = cs.customer(org.id, p.id); c != nullptr && c->identified) {
      replacing += profile_bytes(*c->identified);
    }
  }
  const std::uint64_t held = org.profile_bytes.load(std::memory_order_relaxed);
  const std::uint64_t max = impl.options.limits.profile_bytes_per_org_max;
  if (adding <= replacing || held - replacing + adding <= max) return Status::Ok();
  return Status(ErrorCode::kLimitExceeded,
                "customer profiles would take " + std::to_string(held - replacing + adding) +
                    " bytes, past profile_bytes_per_org_max (" + std::to_string(max) +
                    "); the organisation's profiles take " + std::to_string(held));
}

}  // namespace

Result<std::size_t> Ledger::upsert_customers(Op& op, std::span<const CustomerProfile> profiles) {
  const LedgerLimits& limits = impl_->options.limits;
  if (profiles.empty()) return Status(ErrorCode::kInvalidRequest, "profiles must not be empty");
  if (profiles.size() > limits.profiles_per_upsert_max) {
    return Status(ErrorCode::kLimitExceeded, "more than profiles_per_upsert_max (" +
                                                 std::to_string(limits.profiles_per_upsert_max) +
                                                 ") profiles");
  }
  for (const auto& p : profiles) {
    if (Status s = check_profile(p, limits.identifier_bytes_max); !s.ok()) return s;
  }
  OrgState* org = impl_->find_org(op.org);
  if (org == nullptr) {
    return Status(ErrorCode::kNotFound, "organisation " + std::to_string(op.org) + " is not configured");
  }
  const std::vector<std::size_t> kept = last_entry_per_customer(profiles);
  // Check and commit are one step under upsert_mu, or two concurrent calls could both find
  // an identifier free and both take it. The check runs before the event is logged, so a
  // replay never needs it.
  std::lock_guard upsert_lock(org->upsert_mu);
  if (Status s = check_identifiers_unique(*org, profiles, kept); !s.ok()) return s;
  std::vector<CustomerProfile> stored;
  stored.reserve(kept.size());
  for (std::size_t i : kept) stored.push_back(profiles[i]);
  std::vector<std::uint32_t> shards;
  for (const auto& p : stored) shards.push_back(impl_->customer_shard(org->id, p.id));
  detail::ShardGuard guard(*impl_, std::move(shards));
  detail::raise_lsn(op, guard.max_lsn());
  if (Status s = check_profile_room(*impl_, *org, stored); !s.ok()) return s;
  const std::size_t count = stored.size();
  Event ev{impl_->header(op), CustomersUpserted{std::move(stored)}};
  if (Status s = impl_->commit(op, ev); !s.ok()) return s;
  return count;
}

}  // namespace codeledger::ledger
