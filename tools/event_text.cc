#include "tools/event_text.h"

#include <cstdio>

#include "tools/cli.h"

namespace codeledger::tools {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

constexpr std::size_t kHumanListItemsMax = 5;  // keeps a 16k-code import on one short line

std::string mode_text(ledger::Mode m) { return std::string(ledger::to_string(m)); }

std::vector<std::string> id_texts(const std::vector<ledger::ObjectId>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) out.push_back(id.hex());
  return out;
}

void add_spec(std::vector<Field>& f, const ledger::PromotionSpec& s) {
  f.push_back(str_field("name", s.name));
  f.push_back(str_field("mode", mode_text(s.mode)));
  f.push_back(str_field("kind", ledger::to_string(s.kind)));
  f.push_back(time_field("valid_from", s.valid_from_ms));
  f.push_back(time_field("valid_till", s.valid_till_ms));
  f.push_back(bool_field("active", s.active));
  f.push_back(unum_field("per_code_redemptions_max", s.per_code_redemptions_max));
  f.push_back(unum_field("per_customer_redemptions_max", s.per_customer_redemptions_max));
  f.push_back(unum_field("per_customer_earns_max", s.per_customer_earns_max));
  f.push_back(num_field("earn_validity_ms", s.earn_validity_ms));
}

Field items_field(const std::vector<ledger::RedemptionItem>& items) {
  Field f{"items", "[", ""};
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& it = items[i];
    std::string what = it.code ? std::string(it.code->view())
                               : "earned:" + (it.earned_promotion_id ? it.earned_promotion_id->hex()
                                                                     : std::string("?"));
    f.json += i ? ",{" : "{";
    if (it.code) f.json += "\"code\":" + json_quote(it.code->view()) + ",";
    if (it.earned_promotion_id) {
      f.json += "\"earned_promotion_id\":" + json_quote(it.earned_promotion_id->hex()) + ",";
    }
    f.json += "\"mode\":" + json_quote(mode_text(it.mode)) +
              ",\"promotion_id\":" + json_quote(it.promotion_id.hex()) +
              ",\"discount\":" + std::to_string(it.discount) +
              ",\"count\":" + std::to_string(it.count) + "}";
    f.human += (i ? "," : "") + what + "(" + mode_text(it.mode) +
               ",discount=" + std::to_string(it.discount) + ",count=" + std::to_string(it.count) +
               ")";
  }
  f.json += "]";
  return f;
}

void add_redemption(std::vector<Field>& f, const ledger::RedemptionView& r) {
  f.push_back(str_field("redemption_id", r.id.hex()));
  f.push_back(unum_field("customer", r.customer));
  f.push_back(str_field("transaction_identifier", r.transaction_identifier));
  f.push_back(str_field("transaction_number", r.transaction_number));
  f.push_back(num_field("amount", r.amount));
  f.push_back(items_field(r.items));
}

std::vector<std::string> code_texts(const std::vector<ledger::CodeKey>& codes) {
  std::vector<std::string> out;
  out.reserve(codes.size());
  for (const auto& c : codes) out.emplace_back(c.view());
  return out;
}

}  // namespace

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

Field str_field(std::string key, std::string_view v) {
  // Quoted for people only when a space or emptiness would make "key=value" ambiguous.
  const bool plain = !v.empty() && v.find(' ') == std::string_view::npos;
  return {std::move(key), json_quote(v), plain ? std::string(v) : json_quote(v)};
}
Field num_field(std::string key, std::int64_t v) {
  return {std::move(key), std::to_string(v), std::to_string(v)};
}
Field unum_field(std::string key, std::uint64_t v) {
  return {std::move(key), std::to_string(v), std::to_string(v)};
}
Field bool_field(std::string key, bool v) {
  return {std::move(key), v ? "true" : "false", v ? "true" : "false"};
}
Field time_field(std::string key, std::int64_t ms) {
  return {std::move(key), ms ? json_quote(format_iso_time(ms)) : "null", format_iso_time(ms)};
}

Field list_field(std::string key, const std::vector<std::string>& values) {
  Field f{std::move(key), "[", ""};
  for (std::size_t i = 0; i < values.size(); ++i) {
    f.json += (i ? "," : "") + json_quote(values[i]);
    if (i < kHumanListItemsMax) f.human += (i ? "," : "") + values[i];
  }
  f.json += "]";
  if (values.size() > kHumanListItemsMax) {
    f.human += ",...(+" + std::to_string(values.size() - kHumanListItemsMax) + ")";
  }
  return f;
}

std::string_view event_type(const ledger::EventBody& body) {
  static constexpr std::string_view kNames[] = {
      "promotion_created", "promotion_updated", "codes_added",       "code_linked",
      "code_unlinked",     "code_updated",      "redeemed",          "redemption_reversed",
      "promotions_earned", "earns_revoked",     "customers_upserted"};
  static_assert(std::size(kNames) == std::variant_size_v<ledger::EventBody>);
  return kNames[body.index()];
}

std::vector<Field> body_fields(const ledger::Event& event) {
  std::vector<Field> f;
  std::visit(Overloaded{
                 [&](const ledger::PromotionCreated& e) {
                   f.push_back(str_field("promotion_id", e.id.hex()));
                   f.push_back(unum_field("number", e.number));
                   add_spec(f, e.spec);
                 },
                 [&](const ledger::PromotionUpdated& e) {
                   f.push_back(str_field("promotion_id", e.id.hex()));
                   add_spec(f, e.spec);
                 },
                 [&](const ledger::CodesAdded& e) {
                   f.push_back(str_field("promotion_id", e.promotion_id.hex()));
                   f.push_back(time_field("redeemable_from", e.redeemable_from_ms));
                   f.push_back(time_field("valid_till", e.valid_till_ms));
                   f.push_back(unum_field("count", e.codes.size()));
                   f.push_back(list_field("codes", code_texts(e.codes)));
                 },
                 [&](const ledger::CodeLinked& e) {
                   f.push_back(str_field("mode", mode_text(e.mode)));
                   f.push_back(str_field("code", e.code.view()));
                   f.push_back(unum_field("customer", e.customer));
                 },
                 [&](const ledger::CodeUnlinked& e) {
                   f.push_back(str_field("mode", mode_text(e.mode)));
                   f.push_back(str_field("code", e.code.view()));
                 },
                 [&](const ledger::CodeUpdated& e) {
                   f.push_back(str_field("mode", mode_text(e.mode)));
                   f.push_back(str_field("code", e.code.view()));
                   if (e.set_valid_till) f.push_back(time_field("valid_till", e.valid_till_ms));
                   if (e.set_active) f.push_back(bool_field("active", e.active));
                 },
                 [&](const ledger::Redeemed& e) { add_redemption(f, e.redemption); },
                 [&](const ledger::RedemptionReversed& e) {
                   f.push_back(unum_field("customer", e.customer));
                   f.push_back(str_field("transaction_identifier", e.transaction_identifier));
                 },
                 [&](const ledger::PromotionsEarned& e) {
                   f.push_back(str_field("promotion_id", e.promotion_id.hex()));
                   f.push_back(str_field("context_id", e.context_id));
                   std::vector<std::string> customers, ids;
                   for (const auto& en : e.entries) {
                     customers.push_back(std::to_string(en.customer));
                     ids.push_back(en.id.hex());
                   }
                   f.push_back(list_field("customers", customers));
                   f.push_back(list_field("earn_ids", ids));
                 },
                 [&](const ledger::EarnsRevoked& e) {
                   f.push_back(unum_field("customer", e.customer));
                   f.push_back(list_field("earn_ids", id_texts(e.earn_ids)));
                 },
                 [&](const ledger::CustomersUpserted& e) {
                   std::vector<std::string> ids;
                   for (const auto& p : e.profiles) ids.push_back(std::to_string(p.id));
                   f.push_back(list_field("customers", ids));
                 },
             },
             event.body);
  return f;
}

std::string render_human(const ledger::Event& event, const std::vector<Field>& fields) {
  const auto& h = event.header;
  std::string line =
      "lsn " + std::to_string(h.lsn) + "  " + format_iso_time(h.time_ms) + "  org " +
      std::to_string(h.org) + "  key " + (h.api_key.empty() ? std::string("-") : h.api_key) + "  " +
      std::string(ledger::to_string(h.dialect)) + "  " + std::string(event_type(event.body));
  for (const auto& f : fields) line += " " + f.key + "=" + f.human;
  return line;
}

std::string render_json(const ledger::Event& event, const std::vector<Field>& fields) {
  const auto& h = event.header;
  std::string line = "{\"lsn\":" + std::to_string(h.lsn) +
                     ",\"time\":" + json_quote(format_iso_time(h.time_ms)) +
                     ",\"time_ms\":" + std::to_string(h.time_ms) +
                     ",\"org\":" + std::to_string(h.org) + ",\"api_key\":" + json_quote(h.api_key) +
                     ",\"dialect\":" + json_quote(ledger::to_string(h.dialect)) +
                     ",\"type\":" + json_quote(event_type(event.body));
  for (const auto& f : fields) line += "," + json_quote(f.key) + ":" + f.json;
  return line + "}";
}

}  // namespace codeledger::tools
