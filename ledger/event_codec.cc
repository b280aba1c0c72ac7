// Event payload codec. Grammar (version 1):
//   event  := version:u8(=1) header tag:u8 body
//   header := lsn:varint time:svarint org:varint api_key:str dialect:u8
//   str    := len:varint bytes ; id := 12 raw bytes ; code := str (validated on decode)
// Bodies follow the field order of events.h; vectors are count:varint then elements.
#include "ledger/codec_io.h"
#include "ledger/events.h"
#include "ledger/redemption_store.h"

namespace codeledger::ledger {

using detail::Reader;
using detail::Writer;

namespace detail {

void put_spec(Writer& w, const PromotionSpec& s) {
  w.str(s.name);
  w.u8(static_cast<std::uint8_t>(s.mode));
  w.u8(static_cast<std::uint8_t>(s.kind));
  w.svarint(s.valid_from_ms);
  w.svarint(s.valid_till_ms);
  w.boolean(s.active);
  w.varint(s.per_code_redemptions_max);
  w.varint(s.per_customer_redemptions_max);
  w.varint(s.per_customer_earns_max);
  w.svarint(s.earn_validity_ms);
}

bool get_spec(Reader& r, PromotionSpec& s) {
  std::uint8_t mode = 0, kind = 0;
  if (!r.str(s.name) || !r.u8(mode) || !r.u8(kind) || mode > 1 || kind > 1) return r.fail();
  s.mode = static_cast<Mode>(mode);
  s.kind = static_cast<PromotionKind>(kind);
  return r.svarint(s.valid_from_ms) && r.svarint(s.valid_till_ms) && r.boolean(s.active) &&
         r.u32(s.per_code_redemptions_max) && r.u32(s.per_customer_redemptions_max) &&
         r.u32(s.per_customer_earns_max) && r.svarint(s.earn_validity_ms);
}

void put_redemption(Writer& w, const RedemptionRef& v) {
  w.id(v.id);
  w.varint(v.org);
  w.varint(v.customer);
  w.str(v.transaction_identifier);
  w.str(v.transaction_number);
  w.svarint(v.transaction_date_ms);
  w.svarint(v.amount);
  w.svarint(v.redeemed_ms);
  w.boolean(v.reversed);
  w.svarint(v.reversed_ms);
  w.varint(v.items.size());
  for (const RedemptionItem& i : v.items) {
    w.u8(i.code ? 1 : 0);
    if (i.code) w.code(*i.code);
    w.u8(static_cast<std::uint8_t>(i.mode));
    w.u8(i.earned_promotion_id ? 1 : 0);
    if (i.earned_promotion_id) w.id(*i.earned_promotion_id);
    w.id(i.promotion_id);
    w.svarint(i.discount);
    w.varint(i.count);
  }
  w.str(v.promotion_name);
}

void put_redemption(Writer& w, const RedemptionView& v) { put_redemption(w, RedemptionRef::of(v)); }

namespace {
bool get_item(Reader& r, RedemptionItem& i) {
  bool has_code = false, has_earned = false;
  std::uint8_t mode = 0;
  if (!r.boolean(has_code)) return false;
  if (has_code && !r.code(i.code.emplace())) return false;
  if (!r.u8(mode) || mode > 1) return r.fail();
  i.mode = static_cast<Mode>(mode);
  if (!r.boolean(has_earned)) return false;
  if (has_earned && !r.id(i.earned_promotion_id.emplace())) return false;
  return r.id(i.promotion_id) && r.svarint(i.discount) && r.u32(i.count);
}
}  // namespace

bool get_redemption(Reader& r, RedemptionView& v) {
  std::uint64_t n = 0;
  if (!(r.id(v.id) && r.varint(v.org) && r.varint(v.customer) && r.str(v.transaction_identifier) &&
        r.str(v.transaction_number) && r.svarint(v.transaction_date_ms) && r.svarint(v.amount) &&
        r.svarint(v.redeemed_ms) && r.boolean(v.reversed) && r.svarint(v.reversed_ms) &&
        r.count(n))) {
    return false;
  }
  v.items.resize(n);
  for (auto& i : v.items) {
    if (!get_item(r, i)) return false;
  }
  return r.str(v.promotion_name);
}

void put_profile(Writer& w, const CustomerProfile& p) {
  w.varint(p.id);
  w.str(p.external_id);
  w.str(p.email);
  w.str(p.phone);
  w.varint(p.custom_fields.size());
  for (const auto& [k, v] : p.custom_fields) {
    w.str(k);
    w.str(v);
  }
}

bool get_profile(Reader& r, CustomerProfile& p) {
  std::uint64_t n = 0;
  if (!(r.varint(p.id) && r.str(p.external_id) && r.str(p.email) && r.str(p.phone) && r.count(n))) {
    return false;
  }
  p.custom_fields.resize(n);
  for (auto& [k, v] : p.custom_fields) {
    if (!r.str(k) || !r.str(v)) return false;
  }
  return true;
}

}  // namespace detail

namespace {

constexpr std::uint8_t kEventVersion = 1;

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

void put_body(Writer& w, const EventBody& body) {
  std::visit(
      Overloaded{
          [&](const PromotionCreated& e) { w.id(e.id); w.varint(e.number); detail::put_spec(w, e.spec); },
          [&](const PromotionUpdated& e) { w.id(e.id); detail::put_spec(w, e.spec); },
          [&](const CodesAdded& e) {
            w.id(e.promotion_id);
            w.svarint(e.redeemable_from_ms);
            w.svarint(e.valid_till_ms);
            w.varint(e.codes.size());
            for (const auto& c : e.codes) w.code(c);
          },
          [&](const CodeLinked& e) { w.u8(static_cast<std::uint8_t>(e.mode)); w.code(e.code); w.varint(e.customer); },
          [&](const CodeUnlinked& e) { w.u8(static_cast<std::uint8_t>(e.mode)); w.code(e.code); },
          [&](const CodeUpdated& e) {
            w.u8(static_cast<std::uint8_t>(e.mode));
            w.code(e.code);
            w.boolean(e.set_valid_till);
            w.svarint(e.valid_till_ms);
            w.boolean(e.set_active);
            w.boolean(e.active);
          },
          [&](const Redeemed& e) { detail::put_redemption(w, e.redemption); },
          [&](const RedemptionReversed& e) { w.varint(e.customer); w.str(e.transaction_identifier); },
          [&](const PromotionsEarned& e) {
            w.id(e.promotion_id);
            w.str(e.context_id);
            w.varint(e.entries.size());
            for (const auto& x : e.entries) { w.id(x.id); w.varint(x.customer); w.svarint(x.valid_till_ms); }
          },
          [&](const EarnsRevoked& e) {
            w.varint(e.customer);
            w.varint(e.earn_ids.size());
            for (const auto& id : e.earn_ids) w.id(id);
          },
          [&](const CustomersUpserted& e) {
            w.varint(e.profiles.size());
            for (const auto& p : e.profiles) detail::put_profile(w, p);
          },
      },
      body);
}

bool get_mode(Reader& r, Mode& m) {
  std::uint8_t v = 0;
  if (!r.u8(v) || v > 1) return r.fail();
  m = static_cast<Mode>(v);
  return true;
}

bool get_codes_added(Reader& r, CodesAdded& e) {
  std::uint64_t n = 0;
  if (!(r.id(e.promotion_id) && r.svarint(e.redeemable_from_ms) && r.svarint(e.valid_till_ms) &&
        r.count(n))) {
    return false;
  }
  e.codes.resize(n);
  for (auto& c : e.codes) {
    if (!r.code(c)) return false;
  }
  return true;
}

bool get_earned(Reader& r, PromotionsEarned& e) {
  std::uint64_t n = 0;
  if (!(r.id(e.promotion_id) && r.str(e.context_id) && r.count(n))) return false;
  e.entries.resize(n);
  for (auto& x : e.entries) {
    if (!(r.id(x.id) && r.varint(x.customer) && r.svarint(x.valid_till_ms))) return false;
  }
  return true;
}

bool get_body(Reader& r, std::uint8_t tag, EventBody& body) {
  std::uint64_t n = 0;
  switch (tag) {
    case 0: { auto& e = body.emplace<PromotionCreated>(); return r.id(e.id) && r.u32(e.number) && detail::get_spec(r, e.spec); }
    case 1: { auto& e = body.emplace<PromotionUpdated>(); return r.id(e.id) && detail::get_spec(r, e.spec); }
    case 2: return get_codes_added(r, body.emplace<CodesAdded>());
    case 3: { auto& e = body.emplace<CodeLinked>(); return get_mode(r, e.mode) && r.code(e.code) && r.varint(e.customer); }
    case 4: { auto& e = body.emplace<CodeUnlinked>(); return get_mode(r, e.mode) && r.code(e.code); }
    case 5: {
      auto& e = body.emplace<CodeUpdated>();
      return get_mode(r, e.mode) && r.code(e.code) && r.boolean(e.set_valid_till) &&
             r.svarint(e.valid_till_ms) && r.boolean(e.set_active) && r.boolean(e.active);
    }
    case 6: return detail::get_redemption(r, body.emplace<Redeemed>().redemption);
    case 7: { auto& e = body.emplace<RedemptionReversed>(); return r.varint(e.customer) && r.str(e.transaction_identifier); }
    case 8: return get_earned(r, body.emplace<PromotionsEarned>());
    case 9: {
      auto& e = body.emplace<EarnsRevoked>();
      if (!(r.varint(e.customer) && r.count(n))) return false;
      e.earn_ids.resize(n);
      for (auto& id : e.earn_ids) {
        if (!r.id(id)) return false;
      }
      return true;
    }
    case 10: {
      auto& e = body.emplace<CustomersUpserted>();
      if (!r.count(n)) return false;
      e.profiles.resize(n);
      for (auto& p : e.profiles) {
        if (!detail::get_profile(r, p)) return false;
      }
      return true;
    }
    default: return r.fail();
  }
}

}  // namespace

void encode_event(const Event& e, std::string& out) {
  Writer w(out);
  w.u8(kEventVersion);
  w.varint(e.header.lsn);
  w.svarint(e.header.time_ms);
  w.varint(e.header.org);
  w.str(e.header.api_key);
  w.u8(static_cast<std::uint8_t>(e.header.dialect));
  w.u8(static_cast<std::uint8_t>(e.body.index()));
  put_body(w, e.body);
}

Result<Event> decode_event(std::string_view bytes) {
  Reader r(bytes);
  std::uint8_t version = 0, dialect = 0, tag = 0;
  if (!r.u8(version)) return Status(ErrorCode::kInvalidRequest, "event payload is empty");
  if (version != kEventVersion) {
    return Status(ErrorCode::kInvalidRequest,
                  "unknown event payload version " + std::to_string(version));
  }
  Event e;
  bool ok = r.varint(e.header.lsn) && r.svarint(e.header.time_ms) && r.varint(e.header.org) &&
            r.str(e.header.api_key) && r.u8(dialect) && dialect <= 3 && r.u8(tag) &&
            get_body(r, tag, e.body);
  if (!ok || !r.ok()) return Status(ErrorCode::kInvalidRequest, "event payload is truncated or malformed");
  if (!r.done()) return Status(ErrorCode::kInvalidRequest, "event payload has trailing bytes");
  e.header.dialect = static_cast<Dialect>(dialect);
  return e;
}

}  // namespace codeledger::ledger
