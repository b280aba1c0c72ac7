// A small JSON writer that appends into a caller-owned std::string, so a handler can reuse
// one buffer and write a response without building a tree. Strings are escaped per RFC 8259;
// valid UTF-8 passes through unchanged and invalid bytes become U+FFFD, so the output is
// always valid JSON whatever a client put in a query string.
//
// Commas are tracked with one flag: begin_* and key() clear it, every value sets it.
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

namespace codeledger::server::wire {

// Appends `text` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { separate(); out_.push_back('{'); need_comma_ = false; return *this; }
  JsonWriter& end_object() { out_.push_back('}'); need_comma_ = true; return *this; }
  JsonWriter& begin_array() { separate(); out_.push_back('['); need_comma_ = false; return *this; }
  JsonWriter& end_array() { out_.push_back(']'); need_comma_ = true; return *this; }

  // Keys are the dialect's fixed field names or ids; escaped all the same.
  JsonWriter& key(std::string_view name);
  // `name` followed by `suffix`, e.g. ("createdOn", "ISO"), without a temporary string.
  // Both must be plain ASCII field names (written unescaped, this is the hot path).
  JsonWriter& key(std::string_view name, std::string_view suffix);

  JsonWriter& value(std::string_view text) {
    separate();
    append_json_string(out_, text);
    need_comma_ = true;
    return *this;
  }
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(bool b) {
    separate();
    out_.append(b ? "true" : "false");
    need_comma_ = true;
    return *this;
  }
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  JsonWriter& value(T number) {
    separate();
    char buf[24];  // enough for any 64-bit integer with sign
    auto res = std::to_chars(buf, buf + sizeof buf, number);
    out_.append(buf, res.ptr);
    need_comma_ = true;
    return *this;
  }
  JsonWriter& null() {
    separate();
    out_.append("null");
    need_comma_ = true;
    return *this;
  }
  // Appends already-serialised JSON; the caller vouches for its validity.
  JsonWriter& raw(std::string_view json) {
    separate();
    out_.append(json);
    need_comma_ = true;
    return *this;
  }

  template <class V>
  JsonWriter& field(std::string_view name, const V& v) { return key(name).value(v); }

  std::string& buffer() { return out_; }

 private:
  void separate() {
    if (need_comma_) out_.push_back(',');
  }

  std::string& out_;
  bool need_comma_ = false;
};

}  // namespace codeledger::server::wire
