// Altcraft request parameters. Altcraft clients send the same fields either as a JSON object
// or as an <xml>...</xml> document; both are read into one flat list of named values, so a
// handler reads a field the same way whatever the body's format was.
//
// The body's format is decided by its first non-space byte ('<' is XML, anything else JSON):
// clients are known to send XML labelled application/json and the reverse, and the first byte
// cannot lie. XML is parsed by pugixml (no DTD, no external entities), JSON by server/wire.
//
// Reads follow wire::Fields: the first failure sticks (a 400 naming the field), later reads
// return nullopt, and the handler checks ok() once. A JSON value no reader takes (a number
// with a fraction, an object or an array as a list item) is refused by the reader of its
// field, which says what that field takes; the parse cannot know it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/status.h"
#include "server/http/handler.h"
#include "server/wire/json_reader.h"

namespace codeledger::server::altcraft {

using wire::Need;

// Longest single value read from a body; longer values are a 400 naming the field.
inline constexpr std::size_t kValueBytesMax = 1'024;
// Most items one list field (`codes`) may hold, and most child elements of an XML body (its
// other fields included), before the request is refused outright with a 400. The per-call
// import limit is smaller; items between the two are reported as discarded_by_limit.
inline constexpr std::size_t kListItemsMax = 100'000;
// Most distinct field names one body may hold (a repeated list element is one name). An
// Altcraft method takes at most a dozen fields; the bound keeps a body of many distinct
// element names, read before authentication, from costing more than its parse (probe 36a:
// 99 000 names took 12 s of an io thread when each was looked up among all before it).
inline constexpr std::size_t kFieldNamesMax = 64;

enum class Format : std::uint8_t { kJson, kXml };

// How an integer may be written. kAny: numeric text as from_chars reads it ("05" is 5).
// kCanonical: only as the server writes numbers, without leading zeros (`limit`).
enum class Spelling : std::uint8_t { kAny, kCanonical };

// True when the body is an XML document (its first non-space byte is '<').
bool body_is_xml(std::string_view body);

class Params {
 public:
  // Reads a JSON object or an <xml> document. An empty body gives no parameters.
  static Result<Params> parse(std::string_view body);

  // A scalar value as text (JSON numbers and booleans are given as their text). Empty
  // values count as absent. A list or nested value is a 400.
  std::optional<std::string_view> text(std::string_view name, Need need,
                                       std::size_t bytes_max = kValueBytesMax);
  // An integer given as a number or as numeric text ("5" and 5 are the same loyalty_id).
  std::optional<std::int64_t> integer(std::string_view name, Need need, std::int64_t min,
                                      std::int64_t max, Spelling spelling = Spelling::kAny);
  // true/false (JSON booleans, or the text true, false, 1, 0).
  std::optional<bool> boolean(std::string_view name, Need need);
  // A JSON array of scalars or a repeated XML element; a single scalar is a list of one.
  std::optional<std::vector<std::string_view>> list(std::string_view name, Need need,
                                                    std::size_t bytes_max = kValueBytesMax);

  bool has(std::string_view name) const;
  void fail(Status status);
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

 private:
  enum class Shape : std::uint8_t { kScalar, kList, kNested };
  struct Entry {  // named by its key in by_name_
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    Shape shape = Shape::kScalar;
    std::vector<std::string> values;
    // The first value of a JSON type no reader takes, kept as "" (kNone: there is none), and
    // that type as wire::json_type_name names it (static text).
    std::size_t unreadable_at = kNone;
    std::string_view unreadable_type;
  };
  // A single value; unreadable_type is empty unless it is of a type no reader takes.
  struct Scalar {
    std::string_view text;
    std::string_view unreadable_type;
  };
  friend class ParamsBuilder;

  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const Entry* find(std::string_view name) const;
  const Entry* required(std::string_view name, Need need);
  std::optional<Scalar> scalar(std::string_view name, Need need, std::size_t bytes_max);

  std::vector<Entry> entries_;
  // entries_' index by name: a repeated list element (100 000 <codes>) finds its entry in
  // one probe, not by comparing its name with every name before it.
  std::unordered_map<std::string, std::size_t, NameHash, std::equal_to<>> by_name_;
  Status status_;
};

}  // namespace codeledger::server::altcraft
