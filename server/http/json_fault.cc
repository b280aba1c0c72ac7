#include "server/http/json_fault.h"

#include <simdjson.h>

namespace codeledger::server {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// Walks every value depth first, remembering the last one it started: when a read fails,
// that is the value that failed (or the object or array whose next member could not be
// found).
class FaultWalk {
  // The walk recurses once a level. A document nested deeper stops at the value that
  // crosses this depth, so a file of a million '[' cannot overflow the stack (the fuzz
  // target config_file found that); no config field nests past 4 levels.
  static constexpr int kDepthMax = 64;

 public:
  explicit FaultWalk(const simdjson::padded_string& text) : text_(text) {}

  error_code walk(od::value v, const std::string& path, int depth = 0) {
    mark(v, path);
    if (depth > kDepthMax) return simdjson::DEPTH_ERROR;
    od::json_type type;
    if (error_code err = v.type().get(type)) return err;
    switch (type) {
      case od::json_type::object: return walk_object(v, path, depth);
      case od::json_type::array: return walk_array(v, path, depth);
      case od::json_type::number: {
        fault_.bad_number = true;
        od::number n;
        return v.get_number().get(n);
      }
      case od::json_type::string: {
        std::string_view s;
        return v.get_string().get(s);
      }
      case od::json_type::boolean: {
        bool b = false;
        return v.get_bool().get(b);
      }
      case od::json_type::null: {
        bool null = false;
        if (error_code err = v.is_null().get(null)) return err;
        return null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
      }
    }
    return simdjson::INCORRECT_TYPE;
  }

  const JsonFault& fault() const { return fault_; }

 private:
  error_code walk_object(od::value v, const std::string& path, int depth) {
    od::object object;
    if (error_code err = v.get_object().get(object)) return err;
    for (auto member : object) {
      std::string_view key;
      if (error_code err = member.unescaped_key().get(key)) return err;
      od::value child;
      if (error_code err = member.value().get(child)) return err;
      const std::string child_path = path.empty() ? std::string(key) : path + "." + std::string(key);
      if (error_code err = walk(child, child_path, depth + 1)) {
        return err;
      }
      read_whole();
    }
    return simdjson::SUCCESS;
  }

  error_code walk_array(od::value v, const std::string& path, int depth) {
    od::array array;
    if (error_code err = v.get_array().get(array)) return err;
    std::size_t i = 0;
    for (auto item : array) {
      od::value child;
      if (error_code err = item.get(child)) return err;
      if (error_code err = walk(child, path + "[" + std::to_string(i++) + "]", depth + 1)) return err;
      read_whole();
    }
    return simdjson::SUCCESS;
  }

  // raw_json_token() peeks at the value's text without consuming it.
  void mark(od::value v, const std::string& path) {
    fault_.path = path;
    fault_.bad_number = false;
    fault_.after = false;
    fault_.offset = static_cast<std::size_t>(v.raw_json_token().data() - text_.data());
  }

  // The marked value was read: a failure now is in what follows it.
  void read_whole() {
    fault_.bad_number = false;
    fault_.after = true;
  }

  const simdjson::padded_string& text_;
  JsonFault fault_;
};

}  // namespace

std::optional<JsonFault> find_json_fault(std::string_view json) {
  const simdjson::padded_string text(json);
  od::parser parser;
  od::document doc;
  if (parser.iterate(text).get(doc) != simdjson::SUCCESS) return std::nullopt;
  od::value root;
  if (doc.get_value().get(root) != simdjson::SUCCESS) return std::nullopt;
  FaultWalk walk(text);
  if (walk.walk(root, "") == simdjson::SUCCESS) return std::nullopt;
  return walk.fault();
}

}  // namespace codeledger::server
