// Where a JSON document goes wrong, for the config file's messages. simdjson's DOM parser
// (3.0) says what is wrong ("Problem while parsing a number") but not where. Its on-demand
// parser reads value by value, so walking the document with it stops at the first value it
// cannot read: that value's key path and byte offset say where. Run only after the DOM
// parser has refused the document, so a good file costs nothing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace codeledger::server {

struct JsonFault {
  std::string path;         // dotted key path with [index] ("limits.body_bytes_max"); empty: root
  std::size_t offset = 0;   // byte offset of that value's first character
  bool bad_number = false;  // the value is a number simdjson cannot read (malformed, too large)
  bool after = false;       // the value was read; the fault is in what follows it
};

// The first value the walk could not read, or nothing when the walk found no fault (the
// fault is one the on-demand parser only finds in its first pass, such as an unclosed string
// or bad UTF-8, and that pass reports no place).
std::optional<JsonFault> find_json_fault(std::string_view json);

}  // namespace codeledger::server
