// A small JSON writer that appends into a caller-owned std::string, so a handler can reuse
// one buffer and write a response without building a tree. Strings are escaped per RFC 8259;
// valid UTF-8 passes through unchanged and invalid bytes become U+FFFD, so the output is
// always valid JSON whatever a client put in a query string.
//
// Commas are tracked with one flag: begin_* and key() clear it, every value sets it.
#pragma once

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace codeledger::server::wire {

// Appends `text` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

// True for a byte that goes into a JSON string as it is: ASCII, not a control character,
// not '"' and not the backslash (append_json_string escapes the rest, or repairs UTF-8).
constexpr bool is_plain_json_byte(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

inline constexpr std::size_t kFieldNameBytesMax = 48;

// A member name that needs no escaping inside a JSON string: 1..kFieldNameBytesMax plain
// bytes.
constexpr bool is_plain_field_name(std::string_view text) {
  if (text.empty() || text.size() > kFieldNameBytesMax) return false;
  for (char c : text) {
    if (!is_plain_json_byte(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A member name written in the source (every field of every answer): checked when the
// program is compiled, so the writer appends it as it is, quotes, comma and colon in one
// append, instead of scanning it for escapes each time (callgrind, link answer: about 150
// instructions less a field; docs/benchmarks-history.md, session 23). Names only known at run time
// go through JsonWriter::dynamic_key, which escapes them.
class FieldName {
 public:
  static constexpr std::size_t kBytesMax = kFieldNameBytesMax;
  template <std::size_t N>
  consteval FieldName(const char (&text)[N]) : text_(text, N - 1) {  // NOLINT: implicit on purpose
    // Not a constant expression, so a bad literal fails to compile here.
    if (!is_plain_field_name(text_)) throw "a JSON field name must be plain ASCII, 1..48 bytes";
  }
  constexpr std::string_view view() const { return text_; }

 private:
  std::string_view text_;
};

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { separate(); out_.push_back('{'); need_comma_ = false; return *this; }
  JsonWriter& end_object() { out_.push_back('}'); need_comma_ = true; return *this; }
  JsonWriter& begin_array() { separate(); out_.push_back('['); need_comma_ = false; return *this; }
  JsonWriter& end_array() { out_.push_back(']'); need_comma_ = true; return *this; }

  // A field name from the source, and the same followed by `suffix`, e.g. ("createdOn",
  // "ISO"), without a temporary string.
  JsonWriter& key(FieldName name) { return plain_key(name.view(), {}); }
  JsonWriter& key(FieldName name, FieldName suffix) { return plain_key(name.view(), suffix.view()); }
  // A member name from data (an id, a client's attribute name): escaped like any string.
  JsonWriter& dynamic_key(std::string_view name);

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

  // A member: name and value. Integers, and strings that need no escape, go out with their
  // name in one append (callgrind, a link: about 170 instructions less; session 26).
  template <class V>
  JsonWriter& field(FieldName name, const V& v) {
    if constexpr (std::integral<V> && !std::same_as<V, bool> && !std::same_as<V, char>) {
      return number_field(name, v);
    } else if constexpr (std::is_convertible_v<const V&, std::string_view>) {
      return string_field(name, std::string_view(v));
    } else {
      return key(name).value(v);
    }
  }

  std::string& buffer() { return out_; }

  static constexpr std::size_t kKeyBytesMax = 2 * FieldName::kBytesMax + 4;
  // Writes [,]"name suffix": at `p` (kKeyBytesMax free) and returns its end, for a caller
  // that puts a member's text together itself and hands it to raw() (capillary's
  // write_time). Both parts are plain (FieldName).
  static char* write_key(char* p, bool comma, FieldName name) {
    return put_key(p, comma, name.view(), {});
  }
  static char* write_key(char* p, bool comma, FieldName name, FieldName suffix) {
    return put_key(p, comma, name.view(), suffix.view());
  }

 private:
  void separate() {
    if (need_comma_) out_.push_back(',');
  }
  static constexpr std::size_t kInlineStringBytesMax = 128;

  static char* put_key(char* p, bool comma, std::string_view name, std::string_view suffix) {
    if (comma) *p++ = ',';
    *p++ = '"';
    p = std::copy(name.begin(), name.end(), p);
    p = std::copy(suffix.begin(), suffix.end(), p);  // often empty: no memcpy of a null pointer
    *p++ = '"';
    *p++ = ':';
    return p;
  }
  JsonWriter& plain_key(std::string_view name, std::string_view suffix) {
    char text[kKeyBytesMax];
    out_.append(text, static_cast<std::size_t>(put_key(text, need_comma_, name, suffix) - text));
    need_comma_ = false;
    return *this;
  }
  template <std::integral T>
  JsonWriter& number_field(FieldName name, T number) {
    char text[kKeyBytesMax + 24];  // 24: any 64-bit integer with sign
    char* p = write_key(text, need_comma_, name);
    p = std::to_chars(p, p + 24, number).ptr;
    out_.append(text, static_cast<std::size_t>(p - text));
    need_comma_ = true;
    return *this;
  }
  JsonWriter& string_field(FieldName name, std::string_view text);

  std::string& out_;
  bool need_comma_ = false;
};

}  // namespace codeledger::server::wire
