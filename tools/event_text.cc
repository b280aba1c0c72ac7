#include "tools/event_text.h"

#include <cstdio>

#include "server/crypto/api_key_name.h"
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

// One object: a JSON object, and "(k=v,...)" for people.
Field object_of(const std::vector<Field>& fields) {
  Field f{"", "{", "("};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    f.json += (i ? "," : "") + json_quote(fields[i].key) + ":" + fields[i].json;
    f.human += (i ? "," : "") + fields[i].key + "=" + fields[i].human;
  }
  f.json += "}";
  f.human += ")";
  return f;
}

// A list: in full in JSON; for people, the first kHumanListItemsMax items and a count of the
// rest when `abbreviate`. json_of and human_of render one item.
template <class Item, class JsonOf, class HumanOf>
Field list_of(std::string key, const std::vector<Item>& items, bool abbreviate, JsonOf json_of,
              HumanOf human_of) {
  Field f{std::move(key), "[", ""};
  for (std::size_t i = 0; i < items.size(); ++i) {
    f.json += (i ? "," : "") + json_of(items[i]);
    if (!abbreviate || i < kHumanListItemsMax) f.human += (i ? "," : "") + human_of(items[i]);
  }
  f.json += "]";
  if (abbreviate && items.size() > kHumanListItemsMax) {
    f.human += ",...(+" + std::to_string(items.size() - kHumanListItemsMax) + ")";
  }
  return f;
}

// A list of objects (object_of), each rendered as it already is.
Field object_list_field(std::string key, const std::vector<Field>& objects, bool abbreviate) {
  const auto json = [](const Field& o) -> const std::string& { return o.json; };
  const auto human = [](const Field& o) -> const std::string& { return o.human; };
  return list_of(std::move(key), objects, abbreviate, json, human);
}

// Every field of an item; code and earn_id only when the item has them (the log's has_code
// and has_earned flags).
Field items_field(const ledger::RedemptionItems& items) {
  std::vector<Field> objects;
  for (const auto& it : items) {
    std::vector<Field> f;
    if (it.code) f.push_back(str_field("code", it.code->view()));
    if (it.earned_promotion_id) f.push_back(str_field("earn_id", it.earned_promotion_id->hex()));
    f.push_back(str_field("mode", mode_text(it.mode)));
    f.push_back(str_field("promotion_id", it.promotion_id.hex()));
    f.push_back(num_field("discount", it.discount));
    f.push_back(unum_field("count", it.count));
    objects.push_back(object_of(f));
  }
  return object_list_field("items", objects, false);
}

// Every field of the redemption, in the log's order (docs/wal-format.md, "redemption").
void add_redemption(std::vector<Field>& f, const ledger::RedemptionView& r) {
  f.push_back(str_field("redemption_id", r.id.hex()));
  f.push_back(unum_field("redemption_org", r.org));
  f.push_back(unum_field("customer", r.customer));
  f.push_back(str_field("transaction_identifier", r.transaction_identifier));
  f.push_back(str_field("transaction_number", r.transaction_number));
  f.push_back(time_field("transaction_date", r.transaction_date_ms));
  f.push_back(num_field("amount", r.amount));
  f.push_back(time_field("redemption_date", r.redeemed_ms));
  f.push_back(bool_field("reversed", r.reversed));
  f.push_back(time_field("reversed_on", r.reversed_ms));
  f.push_back(items_field(r.items));
  f.push_back(str_field("promotion_name", r.promotion_name));
}

// custom_fields: a JSON list of {"name","value"} in the order given (a name may repeat);
// "(name=value,...)" for people.
Field custom_fields_field(const std::vector<std::pair<std::string, std::string>>& fields) {
  Field f{"custom_fields", "[", "("};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& [name, value] = fields[i];
    f.json += std::string(i ? "," : "") + "{\"name\":" + json_quote(name) +
              ",\"value\":" + json_quote(value) + "}";
    f.human += (i ? "," : "") + human_text(name) + "=" + human_text(value);
  }
  f.json += "]";
  f.human += ")";
  return f;
}

Field profile_of(const ledger::CustomerProfile& p) {
  return object_of({unum_field("customer", p.id), str_field("external_id", p.external_id),
                    str_field("email", p.email), str_field("phone", p.phone),
                    custom_fields_field(p.custom_fields)});
}

std::vector<std::string> code_texts(const std::vector<ledger::CodeKey>& codes) {
  std::vector<std::string> out;
  out.reserve(codes.size());
  for (const auto& c : codes) out.emplace_back(c.view());
  return out;
}

// Bytes of the UTF-8 sequence that starts at s[i]: its lead byte and the continuation
// bytes that follow, as many as the lead announces; 1 for ASCII and for a stray byte.
std::size_t sequence_bytes(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  const std::size_t announced = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  const auto continues = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  std::size_t n = 1;
  while (n < announced && continues(n)) ++n;
  return n;
}

// "\u0085" for a control character's sequence (1 to 3 bytes: C0, DEL, C1, U+2028/U+2029).
std::string unicode_escape(std::string_view seq) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(seq[k]) + 0u; };
  unsigned cp = b(0);
  if (seq.size() == 2) cp = ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
  if (seq.size() == 3) cp = ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  return buf;
}

}  // namespace

// Every control character the server refuses in key names (crypto::has_control_char: C0,
// DEL, C1, U+2028, U+2029) is escaped, not only the C0 ones JSON requires: a quoted value is
// what people see of a client's text, and an escape sequence or line break left raw in it
// reaches their terminal (probe 39: ESC and CSI in a transactionIdentifier).
std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {  // nearly every byte: codes, ids
      out += s[i++];
      continue;
    }
    const std::string_view seq = s.substr(i, sequence_bytes(s, i));
    i += seq.size();
    if (seq == "\"" || seq == "\\") {
      out += '\\';
      out += seq;
    } else if (crypto::has_control_char(seq)) {
      out += unicode_escape(seq);
    } else {
      out += seq;
    }
  }
  return out + "\"";
}

// Quoted for people when the bare text would be ambiguous in "key=value" lists, nested
// "(k=v,...)" objects included, or would break the line: empty, or holding a space, a
// separator, a quote or a control character.
std::string human_text(std::string_view v) {
  constexpr std::string_view kSeparators = " ,()[]=\"\\";
  const bool plain = !v.empty() && v.find_first_of(kSeparators) == std::string_view::npos &&
                     !crypto::has_control_char(v);
  return plain ? std::string(v) : json_quote(v);
}

std::string api_key_text(std::string_view name) { return name.empty() ? "-" : human_text(name); }

Field str_field(std::string key, std::string_view v) {
  return {std::move(key), json_quote(v), human_text(v)};
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

// Strings: quoted in JSON, for people as any text (ids and codes, all a list holds, come out
// bare), always abbreviated.
Field list_field(std::string key, const std::vector<std::string>& values) {
  return list_of(std::move(key), values, true, json_quote, human_text);
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
                   // Only what the update sets: a value whose set_ flag is 0 is a placeholder
                   // (written as 0 and 1) that apply ignores (docs/ledgerctl.md).
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
                   std::vector<Field> entries;
                   for (const auto& en : e.entries) {
                     entries.push_back(object_of({str_field("earn_id", en.id.hex()),
                                                  unum_field("customer", en.customer),
                                                  time_field("valid_till", en.valid_till_ms)}));
                   }
                   f.push_back(object_list_field("entries", entries, true));
                 },
                 [&](const ledger::EarnsRevoked& e) {
                   f.push_back(unum_field("customer", e.customer));
                   f.push_back(list_field("earn_ids", id_texts(e.earn_ids)));
                 },
                 [&](const ledger::CustomersUpserted& e) {
                   std::vector<Field> profiles;
                   for (const auto& p : e.profiles) profiles.push_back(profile_of(p));
                   f.push_back(object_list_field("profiles", profiles, true));
                 },
             },
             event.body);
  return f;
}

std::string render_human(const ledger::Event& event, const std::vector<Field>& fields) {
  const auto& h = event.header;
  std::string line =
      "lsn " + std::to_string(h.lsn) + "  " + format_iso_time(h.time_ms) + "  org " +
      std::to_string(h.org) + "  key " + api_key_text(h.api_key) + "  " +
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
