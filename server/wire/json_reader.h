// Request bodies on simdjson's DOM, with type checks whose failures name the field:
// every helper returns a Status such as (400, "customerId must be a positive integer").
// Documents are parsed by one parser per thread (reused, so parsing does not allocate once
// warm); the elements stay valid until the next parse_json on the same thread.
//
// parse_json rejects, before any handler looks at the data: malformed JSON, nesting deeper
// than depth_max, duplicate keys in any object and objects with too many members.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/status.h"
#include "ledger/types.h"

namespace codeledger::server::wire {

namespace dom = simdjson::dom;

struct JsonLimits {
  std::size_t depth_max = 8;             // the deepest Capillary body needs 3
  std::size_t object_members_max = 256;  // also bounds the duplicate-key check
};

// Largest integer any numeric field accepts (Capillary ids are Java longs).
inline constexpr std::int64_t kJsonIntegerMax = INT64_MAX;

Result<dom::element> parse_json(std::string_view body, const JsonLimits& limits = {});

// The first key that appears twice in obj, if any. parse_json refuses such documents; the
// config file's reader calls it per object, to name the object's path in its message.
std::optional<std::string_view> duplicate_key(const dom::object& obj);

// "a string", "an array", ... for messages.
std::string_view json_type_name(dom::element e);

// Element readers: `field` is the name used in the message ("codes[3]", "customerId").
Status read_string(dom::element e, std::string_view field, std::size_t bytes_max,
                   std::string_view& out);
Status read_integer(dom::element e, std::string_view field, std::int64_t min, std::int64_t max,
                    std::int64_t& out);
Status read_bool(dom::element e, std::string_view field, bool& out);
// A positive integer given as a JSON number or a numeric string (Capillary sends both).
// Wrong JSON types are 400; null, zero, negative or non-numeric values are 1006.
Status read_customer_id(dom::element e, std::string_view field, ledger::CustomerId& out);
Status read_object_id(dom::element e, std::string_view field, ledger::ObjectId& out);
Status read_mode(dom::element e, std::string_view field, ledger::Mode& out);
Status read_array(dom::element e, std::string_view field, std::size_t items_max,
                  dom::array& out);
Status read_object(dom::element e, std::string_view field, dom::object& out);
// Same checks for text that came outside JSON (query and path parameters).
Status parse_customer_id(std::string_view text, std::string_view field, ledger::CustomerId& out);
Status parse_mode(std::string_view text, std::string_view field, ledger::Mode& out);

enum class Need : std::uint8_t { kRequired, kOptional };

// Reads the members of one object. The first failure sticks: later reads return nullopt
// and keep it, so a handler reads every field and checks ok() once.
class Fields {
 public:
  // `where` prefixes field names in messages, e.g. "redemptions[1]." .
  explicit Fields(dom::object object, std::string where = {})
      : object_(object), where_(std::move(where)) {}

  std::optional<std::string_view> string(std::string_view name, Need need, std::size_t bytes_max);
  std::optional<std::int64_t> integer(std::string_view name, Need need, std::int64_t min,
                                      std::int64_t max);
  std::optional<bool> boolean(std::string_view name, Need need);
  std::optional<ledger::CustomerId> customer_id(std::string_view name, Need need);
  std::optional<ledger::ObjectId> object_id(std::string_view name, Need need);
  std::optional<ledger::Mode> mode(std::string_view name, Need need);
  std::optional<dom::array> array(std::string_view name, Need need, std::size_t items_max);
  std::optional<dom::object> object(std::string_view name, Need need);
  bool has(std::string_view name) const;

  // Records a failure found by the caller (cross-field checks); the first one wins.
  void fail(Status status);
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

 private:
  std::optional<dom::element> find(std::string_view name, Need need);
  template <class T, class Read>
  std::optional<T> read(std::string_view name, Need need, Read&& reader);

  dom::object object_;
  std::string where_;
  Status status_;
};

}  // namespace codeledger::server::wire
