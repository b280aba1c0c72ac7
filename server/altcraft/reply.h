// Altcraft answers: the envelope {"data": ..., "error": N, "error_text": "..."} in JSON, or
// <xml><data>...</data><error>N</error><error_text>...</error_text></xml> written by pugixml.
// A handler builds its data once as a small Value tree and the format picks the writer, so
// the two formats cannot drift apart.
//
// XML shape: an object member is an element named after it; a list member is that element
// repeated once per item (the way Altcraft's own XML requests repeat <codes>), so an empty
// list is no element at all; null and "" are an empty element. (An empty list written as
// one empty element had null's bytes, and a client counting <data> saw one item with no
// fields: probe 41b, F4.) Text goes through wire::xml_char_data: a character XML 1.0 cannot
// carry (a control character a client put in a profile or a code) is written as U+FFFD, so
// the answer stays well-formed; pugixml alone would write it as "&#1;", which XML forbids
// too, and cut the text at a NUL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/status.h"
#include "ledger/types.h"
#include "server/altcraft/params.h"
#include "server/http/handler.h"

namespace codeledger::server::altcraft {

inline constexpr std::string_view kSuccessText = "Successful operation";

class Value {
 public:
  enum class Kind : std::uint8_t { kNull, kString, kInteger, kBool, kObject, kList };

  Value() = default;  // null
  static Value string(std::string text);
  static Value integer(std::int64_t v);
  static Value boolean(bool b);
  static Value object();
  static Value list();

  // Object members keep insertion order. Names are the dialect's fixed field names.
  Value& add(std::string_view name, Value v);
  Value& push(Value v);  // list item

  Kind kind() const { return kind_; }
  const std::string& text() const { return text_; }
  std::int64_t number() const { return number_; }
  bool flag() const { return flag_; }
  const std::vector<std::pair<std::string_view, Value>>& members() const { return members_; }
  const std::vector<Value>& items() const { return items_; }

 private:
  Kind kind_ = Kind::kNull;
  std::string text_;
  std::int64_t number_ = 0;
  bool flag_ = false;
  std::vector<std::pair<std::string_view, Value>> members_;
  std::vector<Value> items_;
};

using Extras = std::vector<std::pair<std::string_view, Value>>;

// error 0, "Successful operation". `extras` are top-level fields beside data (import's
// counters), written between data and error.
Reply success(Format format, const Value& data, const Extras& extras = {});

// An error envelope with data null. The HTTP status is given by the caller (errors.h's
// mapping for domain errors, 401/403 for auth).
Reply error_reply(Format format, int error, std::string_view text, http::status status);
// A domain refusal: error = the ledger's numeric code, status = http_status_for(code).
Reply error_reply(Format format, const Status& status);

std::string_view content_type(Format format);

}  // namespace codeledger::server::altcraft
