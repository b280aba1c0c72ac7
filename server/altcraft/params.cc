#include "server/altcraft/params.h"

#include <pugixml.hpp>

#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "server/wire/xml_text.h"

namespace codeledger::server::altcraft {

namespace {

Status bad(std::string_view field, std::string_view what) {
  std::string msg(field);
  msg.append(" ").append(what);
  return Status(ErrorCode::kInvalidRequest, std::move(msg));
}

// ", not <type>" after what a reader takes, for a value of a JSON type no reader takes.
std::string not_a(std::string_view unreadable_type) {
  return unreadable_type.empty() ? std::string() : ", not " + std::string(unreadable_type);
}

// How a refusal names one value of a field: a list's item by its index from 0 ("codes[3]"),
// a single value by the field's name, in JSON and XML alike.
std::string item_name(std::string_view name, bool in_list, std::size_t index) {
  std::string field(name);
  if (in_list) field += "[" + std::to_string(index) + "]";
  return field;
}

std::string integer_range(std::int64_t min, std::int64_t max) {
  return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// The code point of the character reference at `body[at]` ("&#48;", "&#x30;"), or nullopt
// when it is not one pugixml would read as such.
std::optional<std::uint32_t> char_reference(std::string_view body, std::size_t at) {
  std::string_view ref = body.substr(at + 2);  // after "&#"
  int base = 10;
  if (!ref.empty() && ref.front() == 'x') {
    base = 16;
    ref.remove_prefix(1);
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(ref.data(), ref.data() + ref.size(), value, base);
  if (ec == std::errc::result_out_of_range) return 0xFFFFFFFFu;  // no character either
  if (ec != std::errc() || end == ref.data() || end == ref.data() + ref.size() || *end != ';') {
    return std::nullopt;
  }
  return value > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(value);
}

// What pugixml lets through that XML forbids: a control character in the body, or a
// character reference to one (&#0; among them). pugixml decodes "&#0;" to a NUL byte and a
// value is read as a C string, so "CODE1&#0;junk" came out as CODE1: a value cut short,
// where the JSON twin ("CODE1\u0000junk") is refused (probe 32). References inside a
// comment or a CDATA section are text there, not references, and are let be.
std::optional<std::string> xml_chars_error(std::string_view body) {
  for (std::size_t i = 0; i < body.size(); ++i) {
    const auto byte = static_cast<unsigned char>(body[i]);
    if (byte < 0x20 && !wire::is_xml_char(byte)) {
      return "a control character (byte " + std::to_string(byte) + ") at byte " + std::to_string(i);
    }
  }
  for (std::size_t i = body.find_first_of("<&"); i != std::string_view::npos;
       i = body.find_first_of("<&", i + 1)) {
    for (const auto& [open, close] : {std::pair{"<!--", "-->"}, std::pair{"<![CDATA[", "]]>"}}) {
      if (!body.substr(i).starts_with(open)) continue;
      i = body.find(close, i);
      // Unclosed: pugixml refuses it. Returned here, before the next pair's substr(npos)
      // throws (fuzzing, session 33: `<xml><!--` answered 500).
      if (i == std::string_view::npos) return std::nullopt;
    }
    if (!body.substr(i).starts_with("&#")) continue;
    if (const auto c = char_reference(body, i); c && !wire::is_xml_char(*c)) {
      return "a character reference to no XML character (" +
             std::string(body.substr(i, body.find(';', i) - i + 1)) + ") at byte " + std::to_string(i);
    }
  }
  return std::nullopt;
}

// Where the markup that starts `rest` ends (one past its last byte), for what may stand
// before the root element: a processing instruction, a comment, or a DOCTYPE with its
// bracketed internal subset. npos for anything else.
std::size_t prolog_markup_end(std::string_view rest) {
  auto past = [rest](std::string_view close, std::size_t from = 0) {
    const std::size_t at = rest.find(close, from);
    return at == std::string_view::npos ? at : at + close.size();
  };
  if (rest.starts_with("<?")) return past("?>");
  if (rest.starts_with("<!--")) return past("-->");
  if (!rest.starts_with("<!DOCTYPE")) return std::string_view::npos;
  const std::size_t open = rest.find_first_of("[>");
  if (open == std::string_view::npos || rest[open] == '>') return past(">");
  const std::size_t subset_end = rest.find(']', open);
  return subset_end == std::string_view::npos ? subset_end : past(">", subset_end);
}

// True when the bytes before the root element hold anything but spaces and prolog markup.
// pugixml keeps no node for such text, so "<!-- c -->junk<xml>...</xml>" read as if the junk
// were not there (probe 41b).
bool prolog_holds_text(std::string_view prolog) {
  std::size_t at = 0;
  while (at < prolog.size()) {
    if (std::string_view(" \t\r\n").find(prolog[at]) != std::string_view::npos) {
      ++at;
      continue;
    }
    if (prolog[at] != '<') return true;
    const std::size_t length = prolog_markup_end(prolog.substr(at));
    if (length == std::string_view::npos) return true;
    at += length;
  }
  return false;
}

// pugixml reads on past the root element: "<xml>...</xml><xml/>" would use the first and drop
// the rest, and text beside the root would be ignored. XML allows only comments and
// processing instructions there (and a DOCTYPE before it).
Status one_root_only(const pugi::xml_document& doc, std::string_view body) {
  const Status text_outside(ErrorCode::kInvalidRequest,
                            "request body is not well-formed XML: text outside the root element");
  // pugixml keeps no node for text after the last markup at the top level: look at the bytes.
  if (!trim(body.substr(body.rfind('>') + 1)).empty()) return text_outside;
  // Nor before the root: offset_debug() is where the root's name starts, just after its '<'.
  const std::ptrdiff_t name_at = doc.document_element().offset_debug();
  if (name_at > 0 && prolog_holds_text(body.substr(0, static_cast<std::size_t>(name_at - 1)))) {
    return text_outside;
  }
  int elements = 0;
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_element && ++elements > 1) {
      return Status(ErrorCode::kInvalidRequest,
                    "request body is not well-formed XML: more than one root element");
    }
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) return text_outside;
  }
  return Status::Ok();
}

// An element's character data as XML defines it: its text and CDATA pieces in order.
// pugixml keeps no node for a comment or a processing instruction (parse_default) and keeps
// the text on either side of one as two pieces; child_value() is only the first, so
// "TRUNC0<!-- c -->XYZ" was read, and imported, as TRUNC0 (probe 41b, F1).
std::string character_data(pugi::xml_node element) {
  std::string out;
  for (pugi::xml_node piece : element.children()) {
    if (piece.type() == pugi::node_pcdata || piece.type() == pugi::node_cdata) {
      out += piece.value();
    }
  }
  return out;
}

// How a refusal names an element's value, as its JSON twin's is named: an element given
// once is a single value, a repeated one a list whose items count from 0 in document order.
// It walks the siblings, so only refusals call it.
std::string xml_field_name(pugi::xml_node element) {
  const char* name = element.name();
  std::size_t index = 0;
  for (pugi::xml_node n = element.previous_sibling(name); n; n = n.previous_sibling(name)) {
    ++index;
  }
  return item_name(name, index > 0 || element.next_sibling(name), index);
}

}  // namespace

bool body_is_xml(std::string_view body) {
  body = trim(body);
  return !body.empty() && body.front() == '<';
}

// Fills a Params from either body format; the only code that touches Params' entries.
class ParamsBuilder {
 public:
  explicit ParamsBuilder(Params& p) : p_(p) {}

  Status from_json(std::string_view body);
  Status from_xml(std::string_view body);

 private:
  using Entry = Params::Entry;
  using Shape = Params::Shape;

  Status json_value(wire::dom::element e, std::string_view field, Entry& entry);
  Status json_member(std::string_view name, wire::dom::element value);
  Status xml_member(pugi::xml_node element);
  Entry* entry(std::string_view name);
  static Status too_many_names();

  Params& p_;
};

// The entry named `name`, added when it is new; nullptr when it would be one distinct name
// more than kFieldNamesMax (the caller refuses the body with too_many_names()).
Params::Entry* ParamsBuilder::entry(std::string_view name) {
  if (const auto it = p_.by_name_.find(name); it != p_.by_name_.end()) {
    return &p_.entries_[it->second];
  }
  if (p_.entries_.size() == kFieldNamesMax) return nullptr;
  p_.by_name_.emplace(std::string(name), p_.entries_.size());
  p_.entries_.emplace_back();
  return &p_.entries_.back();
}

Status ParamsBuilder::too_many_names() {
  return bad("request body", "has more than " + std::to_string(kFieldNamesMax) +
                                 " distinct field names");
}

// Adds e to the entry's values as text. A type no reader takes is not refused here: which
// types a field takes is known only to its reader (text, integer, boolean), so the entry
// remembers it and the reader refuses it saying what it takes.
Status ParamsBuilder::json_value(wire::dom::element e, std::string_view field, Entry& entry) {
  using wire::dom::element_type;
  std::string& out = entry.values.emplace_back();
  switch (e.type()) {
    case element_type::STRING: {
      std::string_view text;
      if (Status s = wire::read_string(e, field, kValueBytesMax, text); !s.ok()) return s;
      out.assign(text);
      return Status::Ok();
    }
    case element_type::INT64:
      out = std::to_string(std::int64_t(e));
      return Status::Ok();
    // 2^63 to 2^64-1 is a JSON number like any other: a text field's text, past the range of
    // every integer field (whose reader says so in the field's own words), and ignored in a
    // field nobody reads. Read through wire::read_integer, it failed the parse for every
    // field with a range no field has (probe 41b, F2).
    case element_type::UINT64:
      out = std::to_string(std::uint64_t(e));
      return Status::Ok();
    case element_type::BOOL: {
      bool b = false;
      if (Status s = wire::read_bool(e, field, b); !s.ok()) return s;
      out = b ? "true" : "false";
      return Status::Ok();
    }
    default:
      if (entry.unreadable_at == Entry::kNone) {
        entry.unreadable_at = entry.values.size() - 1;
        entry.unreadable_type = wire::json_type_name(e);
      }
      return Status::Ok();
  }
}

Status ParamsBuilder::json_member(std::string_view name, wire::dom::element value) {
  using wire::dom::element_type;
  if (value.type() == element_type::NULL_VALUE) return Status::Ok();  // null = not given
  Entry* e = entry(name);
  if (e == nullptr) return too_many_names();
  if (value.type() == element_type::OBJECT) {
    e->shape = Shape::kNested;
    return Status::Ok();
  }
  if (value.type() != element_type::ARRAY) return json_value(value, name, *e);
  wire::dom::array items;
  if (Status s = wire::read_array(value, name, kListItemsMax, items); !s.ok()) return s;
  e->shape = Shape::kList;
  std::size_t index = 0;
  for (wire::dom::element item : items) {
    const std::string field = std::string(name) + "[" + std::to_string(index++) + "]";
    if (Status s = json_value(item, field, *e); !s.ok()) return s;
  }
  return Status::Ok();
}

Status ParamsBuilder::from_json(std::string_view body) {
  auto root = wire::parse_json(body);
  if (!root.ok()) return root.status();
  wire::dom::object obj;
  if (Status s = wire::read_object(*root, "request body", obj); !s.ok()) return s;
  for (auto [name, value] : obj) {
    if (Status s = json_member(name, value); !s.ok()) return s;
  }
  return Status::Ok();
}

Status ParamsBuilder::from_xml(std::string_view body) {
  if (const auto error = xml_chars_error(body)) {
    return Status(ErrorCode::kInvalidRequest, "request body is not well-formed XML: " + *error);
  }
  pugi::xml_document doc;
  // parse_default: no DOCTYPE processing, so no entity expansion beyond the five built-ins.
  // parse_ws_pcdata keeps text that is only spaces: between two comments it is part of the
  // value ("AB<!---->  <!---->CD" is "AB  CD", not ABCD); ends are trimmed as ever.
  const pugi::xml_parse_result parsed = doc.load_buffer(
      body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  if (!parsed) {
    return Status(ErrorCode::kInvalidRequest, std::string("request body is not well-formed XML: ") +
                                                  parsed.description() + " at byte " +
                                                  std::to_string(parsed.offset));
  }
  const pugi::xml_node root = doc.document_element();
  if (Status s = one_root_only(doc, body); !s.ok()) return s;
  if (std::string_view(root.name()) != "xml") {
    return bad("request body", "must be an <xml> document, not <" + std::string(root.name()) + ">");
  }
  std::size_t count = 0;
  for (pugi::xml_node child : root.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      // "<xml>junk<code>A1</code></xml>": a value outside any field, which nothing would read.
      if (!trim(child.value()).empty()) {
        return bad("request body", "has text directly inside <xml>: each value goes in its field's element");
      }
      continue;
    }
    if (child.type() != pugi::node_element) continue;
    if (++count > kListItemsMax) {
      return bad("request body", "has more than " + std::to_string(kListItemsMax) + " elements");
    }
    if (Status s = xml_member(child); !s.ok()) return s;
  }
  return Status::Ok();
}

// Adds one child element of <xml> to the entry of its name: a repeated element is a list.
Status ParamsBuilder::xml_member(pugi::xml_node element) {
  Entry* e = entry(element.name());
  if (e == nullptr) return too_many_names();
  if (element.find_child([](pugi::xml_node n) { return n.type() == pugi::node_element; })) {
    e->shape = Shape::kNested;
    return Status::Ok();
  }
  std::string text = character_data(element);
  if (text.size() > kValueBytesMax) {
    return bad(xml_field_name(element),
               "is longer than " + std::to_string(kValueBytesMax) + " bytes");
  }
  e->values.push_back(std::move(text));
  if (e->values.size() > 1 && e->shape == Shape::kScalar) e->shape = Shape::kList;
  return Status::Ok();
}

Result<Params> Params::parse(std::string_view body) {
  Params p;
  if (trim(body).empty()) return p;
  ParamsBuilder b(p);
  Status s = body_is_xml(body) ? b.from_xml(body) : b.from_json(body);
  if (!s.ok()) return s;
  return p;
}

const Params::Entry* Params::find(std::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

bool Params::has(std::string_view name) const {
  const Entry* e = find(name);
  if (e == nullptr) return false;
  if (e->unreadable_at != Entry::kNone) return true;
  for (const std::string& v : e->values) {
    if (!trim(v).empty()) return true;
  }
  return e->shape == Shape::kNested;
}

void Params::fail(Status status) {
  if (status_.ok()) status_ = std::move(status);
}

const Params::Entry* Params::required(std::string_view name, Need need) {
  if (!ok()) return nullptr;
  if (!has(name)) {
    if (need == Need::kRequired) fail(bad(name, "is required"));
    return nullptr;
  }
  return find(name);
}

std::optional<Params::Scalar> Params::scalar(std::string_view name, Need need,
                                             std::size_t bytes_max) {
  const Entry* e = required(name, need);
  if (e == nullptr) return std::nullopt;
  if (e->shape == Shape::kNested) {
    fail(bad(name, "must be a single value, not a nested object"));
    return std::nullopt;
  }
  if (e->shape == Shape::kList || e->values.size() != 1) {
    fail(bad(name, "must be a single value, not a list"));
    return std::nullopt;
  }
  std::string_view v = trim(e->values.front());
  if (v.size() > bytes_max) {
    fail(bad(name, "is longer than " + std::to_string(bytes_max) + " bytes"));
    return std::nullopt;
  }
  return Scalar{v, e->unreadable_at == 0 ? e->unreadable_type : std::string_view()};
}

std::optional<std::string_view> Params::text(std::string_view name, Need need,
                                             std::size_t bytes_max) {
  const auto v = scalar(name, need, bytes_max);
  if (!v) return std::nullopt;
  if (!v->unreadable_type.empty()) {
    fail(bad(name, "must be a string" + not_a(v->unreadable_type)));
    return std::nullopt;
  }
  return v->text;
}

std::optional<std::int64_t> Params::integer(std::string_view name, Need need, std::int64_t min,
                                            std::int64_t max, Spelling spelling) {
  const auto v = scalar(name, need, kValueBytesMax);
  if (!v) return std::nullopt;
  const std::string_view text = v->text;  // "" for an unreadable value: refused below
  std::int64_t out = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || out < min || out > max) {
    fail(bad(name, integer_range(min, max) + not_a(v->unreadable_type)));
    return std::nullopt;
  }
  if (spelling == Spelling::kCanonical && text != std::to_string(out)) {
    fail(bad(name, integer_range(min, max) + " without leading zeros"));
    return std::nullopt;
  }
  return out;
}

std::optional<bool> Params::boolean(std::string_view name, Need need) {
  const auto v = scalar(name, need, kValueBytesMax);
  if (!v) return std::nullopt;
  if (v->unreadable_type.empty()) {
    if (v->text == "true" || v->text == "1") return true;
    if (v->text == "false" || v->text == "0") return false;
  }
  fail(bad(name, "must be true or false" + not_a(v->unreadable_type)));
  return std::nullopt;
}

std::optional<std::vector<std::string_view>> Params::list(std::string_view name, Need need,
                                                          std::size_t bytes_max) {
  const Entry* e = required(name, need);
  if (e == nullptr) return std::nullopt;
  if (e->shape == Shape::kNested) {
    fail(bad(name, "must be a list of values, not a nested object"));
    return std::nullopt;
  }
  const bool in_list = e->shape == Shape::kList;
  std::vector<std::string_view> out;
  out.reserve(e->values.size());
  for (const std::string& raw : e->values) {
    if (out.size() == e->unreadable_at) {
      fail(bad(item_name(name, in_list, out.size()),
               "must be a string" + not_a(e->unreadable_type)));
      return std::nullopt;
    }
    std::string_view v = trim(raw);
    if (v.size() > bytes_max) {
      fail(bad(item_name(name, in_list, out.size()),
               "is longer than " + std::to_string(bytes_max) + " bytes"));
      return std::nullopt;
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace codeledger::server::altcraft
