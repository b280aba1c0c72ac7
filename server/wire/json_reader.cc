#include "server/wire/json_reader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <vector>

namespace codeledger::server::wire {
namespace {

constexpr std::size_t kInitialCapacityBytes = 64 * 1024;
constexpr std::size_t kCustomerIdDigitsMax = 19;  // INT64_MAX has 19 digits

Status invalid(std::string_view field, std::string_view what) {
  std::string msg(field);
  msg.append(" ").append(what);
  return Status(ErrorCode::kInvalidRequest, std::move(msg));
}

Status wrong_type(dom::element e, std::string_view field, std::string_view expected) {
  std::string msg(field);
  msg.append(" must be ").append(expected).append(", got ").append(json_type_name(e));
  return Status(ErrorCode::kInvalidRequest, std::move(msg));
}

Status bad_customer(std::string_view field) {
  std::string msg(field);
  msg.append(" must be a positive integer (a number or a numeric string)");
  return Status(ErrorCode::kInvalidCustomer, std::move(msg));
}

// Objects up to this many members are checked pair by pair (no copy); wider ones by sorting
// their keys, so a body of wide objects costs n log n per object rather than n^2: a 1 MB
// body of 256-member objects took 151-191 ms of the io thread's CPU with pairs alone
// (BM_RequestJsonParseWideObjects, session 15).
constexpr std::size_t kPairwiseKeysMax = 16;

}  // namespace

std::optional<std::string_view> duplicate_key(const dom::object& obj) {
  if (obj.size() <= kPairwiseKeysMax) {
    // Keys gathered first: the object is walked once, not once per key (callgrind, a redeem
    // body: about 200 instructions less; docs/benchmarks-history.md, session 26).
    std::array<std::string_view, kPairwiseKeysMax> keys;
    std::size_t n = 0;
    for (auto [key, unused] : obj) {
      (void)unused;
      for (std::size_t j = 0; j < n; ++j) {
        if (keys[j] == key) return key;
      }
      keys[n++] = key;
    }
    return std::nullopt;
  }
  thread_local std::vector<std::string_view> keys;  // no recursion while it is in use
  keys.clear();
  for (auto [key, unused] : obj) {
    (void)unused;
    keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  const auto twin = std::adjacent_find(keys.begin(), keys.end());
  if (twin == keys.end()) return std::nullopt;
  return *twin;
}

namespace {

Status too_deep(const JsonLimits& limits) {
  return Status(ErrorCode::kInvalidRequest, "JSON nested deeper than " +
                                                std::to_string(limits.depth_max) +
                                                " levels (depth_max)");
}

// Depth, duplicate keys and member counts, everywhere in the document; `depth` counts the
// containers down to e, e included. The parser's max_depth bounds the recursion, but it
// lets an empty innermost container one level past it (`[[[[[[[[]]]]]]]]` at 8: probe 33),
// so the depth is checked here too.
Status check_members(dom::element e, const JsonLimits& limits, std::size_t depth = 1) {
  const bool container =
      e.type() == dom::element_type::ARRAY || e.type() == dom::element_type::OBJECT;
  if (container && depth > limits.depth_max) return too_deep(limits);
  if (e.type() == dom::element_type::ARRAY) {
    for (dom::element item : dom::array(e)) {
      if (Status s = check_members(item, limits, depth + 1); !s.ok()) return s;
    }
    return Status::Ok();
  }
  if (e.type() != dom::element_type::OBJECT) return Status::Ok();
  const dom::object obj(e);
  if (obj.size() > limits.object_members_max) {
    return Status(ErrorCode::kInvalidRequest,
                  "JSON object has more than " + std::to_string(limits.object_members_max) +
                      " members (object_members_max)");
  }
  if (const auto twin = duplicate_key(obj)) {
    return Status(ErrorCode::kInvalidRequest,
                  "duplicate key \"" + std::string(*twin) + "\" in JSON object");
  }
  for (auto [key, value] : obj) {
    (void)key;
    if (Status s = check_members(value, limits, depth + 1); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Result<dom::element> parse_json(std::string_view body, const JsonLimits& limits) {
  thread_local dom::parser parser;
  thread_local std::string padded;
  // simdjson counts the document itself as one level of depth: one more than ours.
  const std::size_t simdjson_depth = limits.depth_max + 1;
  if (parser.max_depth() != simdjson_depth) {
    if (parser.allocate(kInitialCapacityBytes, simdjson_depth) != simdjson::SUCCESS) {
      return Status(ErrorCode::kInternal, "JSON parser could not allocate");
    }
  }
  // simdjson reads SIMDJSON_PADDING bytes past the end; copying into a reused buffer
  // keeps the request body untouched and avoids an allocation per parse.
  padded.assign(body);
  padded.resize(body.size() + simdjson::SIMDJSON_PADDING);
  dom::element root;
  const auto err = parser.parse(padded.data(), body.size(), false).get(root);
  if (err == simdjson::DEPTH_ERROR) return too_deep(limits);
  if (err == simdjson::EMPTY) {
    return Status(ErrorCode::kInvalidRequest, "request body is empty: a JSON document is required");
  }
  if (err == simdjson::NUMBER_ERROR) {
    // simdjson refuses the whole document over one number it cannot hold (an integer at or
    // above 2^64, an exponent past a double's range) before any field is read, so the field
    // cannot be named; its own text, "Problem while parsing a number", did not say why.
    return Status(ErrorCode::kInvalidRequest,
                  "malformed JSON: a number is malformed or out of range (integers must be "
                  "below 2^64, and fractions and exponents within a double's range)");
  }
  if (err != simdjson::SUCCESS) {
    return Status(ErrorCode::kInvalidRequest,
                  std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  if (Status s = check_members(root, limits); !s.ok()) return s;
  return root;
}

std::string_view json_type_name(dom::element e) {
  switch (e.type()) {
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::OBJECT: return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64: return "a number";
    // "1.0" too: JSON keeps the fraction, and "must be an integer, not a number" read oddly
    // for it (probe 32).
    case dom::element_type::DOUBLE: return "a number with a fraction or an exponent";
    case dom::element_type::STRING: return "a string";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "an unknown value";
}

Status read_string(dom::element e, std::string_view field, std::size_t bytes_max,
                   std::string_view& out) {
  if (e.type() != dom::element_type::STRING) return wrong_type(e, field, "a string");
  std::string_view s = std::string_view(e);
  if (s.size() > bytes_max) {
    return invalid(field, "is longer than " + std::to_string(bytes_max) + " bytes");
  }
  out = s;
  return Status::Ok();
}

Status read_integer(dom::element e, std::string_view field, std::int64_t min, std::int64_t max,
                    std::int64_t& out) {
  const auto out_of_range = [&] {
    return invalid(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  };
  std::int64_t v = 0;
  switch (e.type()) {
    case dom::element_type::INT64: v = std::int64_t(e); break;
    // Past INT64_MAX: out of every range, and said the same way as any value out of it
    // (probe 39: seed -1 and seed 2^64-1 had two wordings).
    case dom::element_type::UINT64: return out_of_range();
    case dom::element_type::DOUBLE: {
      // 1000.0 is an integer written as a decimal; 10.5 is not.
      const double d = double(e);
      if (d != std::floor(d) || std::fabs(d) > 9.0e15) return invalid(field, "must be an integer");
      v = static_cast<std::int64_t>(d);
      break;
    }
    default: return wrong_type(e, field, "an integer");
  }
  if (v < min || v > max) return out_of_range();
  out = v;
  return Status::Ok();
}

Status read_bool(dom::element e, std::string_view field, bool& out) {
  if (e.type() != dom::element_type::BOOL) return wrong_type(e, field, "a boolean");
  out = bool(e);
  return Status::Ok();
}

Status parse_customer_id(std::string_view text, std::string_view field, ledger::CustomerId& out) {
  if (text.empty() || text.size() > kCustomerIdDigitsMax) return bad_customer(field);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v <= 0) return bad_customer(field);
  out = static_cast<ledger::CustomerId>(v);
  return Status::Ok();
}

Status read_customer_id(dom::element e, std::string_view field, ledger::CustomerId& out) {
  switch (e.type()) {
    case dom::element_type::INT64: {
      const std::int64_t v = std::int64_t(e);
      if (v <= 0) return bad_customer(field);
      out = static_cast<ledger::CustomerId>(v);
      return Status::Ok();
    }
    case dom::element_type::STRING: return parse_customer_id(std::string_view(e), field, out);
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
    case dom::element_type::NULL_VALUE: return bad_customer(field);
    default: return wrong_type(e, field, "a positive integer or a numeric string");
  }
}

Status read_object_id(dom::element e, std::string_view field, ledger::ObjectId& out) {
  std::string_view s;
  if (Status st = read_string(e, field, 24, s); !st.ok()) return st;
  auto id = ledger::ObjectId::parse(s);
  if (!id) return invalid(field, "must be a 24-character hexadecimal id");
  out = *id;
  return Status::Ok();
}

Status parse_mode(std::string_view text, std::string_view field, ledger::Mode& out) {
  auto m = ledger::parse_mode(text);
  if (!m) return invalid(field, "must be DISCOUNT or PAYMENT_VOUCHER");
  out = *m;
  return Status::Ok();
}

Status read_mode(dom::element e, std::string_view field, ledger::Mode& out) {
  std::string_view s;
  if (Status st = read_string(e, field, 32, s); !st.ok()) return st;
  return parse_mode(s, field, out);
}

Status read_array(dom::element e, std::string_view field, std::size_t items_max,
                  dom::array& out) {
  if (e.type() != dom::element_type::ARRAY) return wrong_type(e, field, "an array");
  const dom::array a(e);
  if (a.size() > items_max) {
    return invalid(field, "has more than " + std::to_string(items_max) + " items");
  }
  out = a;
  return Status::Ok();
}

Status read_object(dom::element e, std::string_view field, dom::object& out) {
  if (e.type() != dom::element_type::OBJECT) return wrong_type(e, field, "an object");
  out = dom::object(e);
  return Status::Ok();
}

namespace {

// A field's name for messages, `where` + `name` ("redemptions[0].code"), built in place: the
// readers take it on every read but use it only on failure, so it must not cost a heap
// string per field.
class FieldLabel {
 public:
  FieldLabel(std::string_view where, std::string_view name) {
    if (where.empty()) {
      view_ = name;
    } else if (where.size() + name.size() <= inline_.size()) {
      std::copy(name.begin(), name.end(), std::copy(where.begin(), where.end(), inline_.data()));
      view_ = std::string_view(inline_.data(), where.size() + name.size());
    } else {
      long_.append(where).append(name);
      view_ = long_;
    }
  }
  FieldLabel(const FieldLabel&) = delete;  // view_ may point into this object
  FieldLabel& operator=(const FieldLabel&) = delete;
  std::string_view view() const { return view_; }

 private:
  std::array<char, 64> inline_;
  std::string long_;
  std::string_view view_;
};

}  // namespace

void Fields::fail(Status status) {
  if (status_.ok()) status_ = std::move(status);
}

bool Fields::has(std::string_view name) const {
  dom::element e;
  return object_.at_key(name).get(e) == simdjson::SUCCESS;
}

std::optional<dom::element> Fields::find(std::string_view name, Need need) {
  if (!status_.ok()) return std::nullopt;
  dom::element e;
  if (object_.at_key(name).get(e) != simdjson::SUCCESS) {
    if (need == Need::kRequired) fail(invalid(FieldLabel(where_, name).view(), "is required"));
    return std::nullopt;
  }
  // An explicit null in an optional field means "not given"; in a required one the
  // reader reports it (as a wrong type, or 1006 for a customer id).
  if (need == Need::kOptional && e.is_null()) return std::nullopt;
  return e;
}

template <class T, class Read>
std::optional<T> Fields::read(std::string_view name, Need need, Read&& reader) {
  auto e = find(name, need);
  if (!e) return std::nullopt;
  T out{};
  // The readers only name the field when they fail, and fail the same way every time: the
  // label is built for a second read that writes the message, not for every read.
  if (!reader(*e, std::string_view{}, out).ok()) {
    const FieldLabel field(where_, name);
    fail(reader(*e, field.view(), out));
    return std::nullopt;
  }
  return out;
}

std::optional<std::string_view> Fields::string(std::string_view name, Need need,
                                               std::size_t bytes_max) {
  return read<std::string_view>(name, need, [&](dom::element e, std::string_view f,
                                                std::string_view& o) {
    return read_string(e, f, bytes_max, o);
  });
}

std::optional<std::int64_t> Fields::integer(std::string_view name, Need need, std::int64_t min,
                                            std::int64_t max) {
  return read<std::int64_t>(name, need, [&](dom::element e, std::string_view f,
                                            std::int64_t& o) {
    return read_integer(e, f, min, max, o);
  });
}

std::optional<bool> Fields::boolean(std::string_view name, Need need) {
  return read<bool>(name, need, [](dom::element e, std::string_view f, bool& o) {
    return read_bool(e, f, o);
  });
}

std::optional<ledger::CustomerId> Fields::customer_id(std::string_view name, Need need) {
  return read<ledger::CustomerId>(name, need, [](dom::element e, std::string_view f,
                                                 ledger::CustomerId& o) {
    return read_customer_id(e, f, o);
  });
}

std::optional<ledger::ObjectId> Fields::object_id(std::string_view name, Need need) {
  return read<ledger::ObjectId>(name, need, [](dom::element e, std::string_view f,
                                               ledger::ObjectId& o) {
    return read_object_id(e, f, o);
  });
}

std::optional<ledger::Mode> Fields::mode(std::string_view name, Need need) {
  return read<ledger::Mode>(name, need, [](dom::element e, std::string_view f,
                                           ledger::Mode& o) { return read_mode(e, f, o); });
}

std::optional<dom::array> Fields::array(std::string_view name, Need need, std::size_t items_max) {
  return read<dom::array>(name, need, [&](dom::element e, std::string_view f, dom::array& o) {
    return read_array(e, f, items_max, o);
  });
}

std::optional<dom::object> Fields::object(std::string_view name, Need need) {
  return read<dom::object>(name, need, [](dom::element e, std::string_view f,
                                          dom::object& o) { return read_object(e, f, o); });
}

}  // namespace codeledger::server::wire
