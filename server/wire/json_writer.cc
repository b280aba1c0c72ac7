#include "server/wire/json_writer.h"

#include <cstdint>
#include <cstring>

#include <simdjson.h>

#include "server/wire/utf8.h"

namespace codeledger::server::wire {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// True for bytes that cannot appear raw inside a JSON string.
inline bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out.append("\\\""); return;
    case '\\': out.append("\\\\"); return;
    case '\n': out.append("\\n"); return;
    case '\r': out.append("\\r"); return;
    case '\t': out.append("\\t"); return;
    case '\b': out.append("\\b"); return;
    case '\f': out.append("\\f"); return;
    default: {
      const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(esc, sizeof esc);
    }
  }
}

// Slow path for text that is not valid UTF-8: copy good sequences, replace bad bytes.
void append_repairing(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (needs_escape(c)) append_escape(out, c); else out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      out.append(kReplacementCharacter);
      ++i;
    } else {
      out.append(text.data() + i, n);
      i += n;
    }
  }
}


// What follows the plain prefix: escapes, UTF-8 checked (and repaired when invalid).
void append_rest(std::string& out, std::string_view text) {
  bool ascii = true;
  for (char ch : text) ascii &= static_cast<unsigned char>(ch) < 0x80;
  if (!ascii && !simdjson::validate_utf8(text.data(), text.size())) {
    return append_repairing(out, text);
  }
  // Copy runs of plain bytes at once; escape the rest.
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!needs_escape(c)) continue;
    out.append(text.data() + run, i - run);
    append_escape(out, c);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

// True when none of the 8 bytes in w needs a JSON escape or is non-ASCII: no byte below
// 0x20, none 0x22 ('"') or 0x5c (backslash), none with the high bit set. Each test is the
// usual "has a zero byte" trick, (v - 0x01..) & ~v & 0x80.., on w - 0x20.., w ^ '"'.. and
// w ^ '\\'..: exact as a yes or no, which is all that is asked.
inline bool plain_word(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  const std::uint64_t quote = w ^ (kOnes * '"');
  const std::uint64_t backslash = w ^ (kOnes * '\\');
  const std::uint64_t hits = ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) |
                             ((backslash - kOnes) & ~backslash);
  return ((hits | w) & kHigh) == 0;
}

// Length of text's leading run of bytes that go out as they are (is_plain_json_byte): 8 at a
// time, then byte by byte (callgrind: a link's answer scanned about 100 bytes of values).
std::size_t plain_prefix(std::string_view text) {
  std::size_t n = 0;
  for (; n + 8 <= text.size(); n += 8) {
    std::uint64_t w;
    std::memcpy(&w, text.data() + n, 8);
    if (!plain_word(w)) break;
  }
  while (n < text.size() && is_plain_json_byte(static_cast<unsigned char>(text[n]))) ++n;
  return n;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  // Nearly every string written (codes, ids, identifiers) is printable ASCII: one scan finds
  // that, and the text goes out in one append.
  const std::size_t plain = plain_prefix(text);
  out.push_back('"');
  out.append(text.data(), plain);
  text.remove_prefix(plain);
  if (!text.empty()) append_rest(out, text);
  out.push_back('"');
}

JsonWriter& JsonWriter::string_field(FieldName name, std::string_view text) {
  if (text.size() > kInlineStringBytesMax || plain_prefix(text) != text.size()) {
    return key(name).value(text);
  }
  char out[kKeyBytesMax + kInlineStringBytesMax + 2];
  char* p = write_key(out, need_comma_, name);
  *p++ = '"';
  p = std::copy(text.begin(), text.end(), p);
  *p++ = '"';
  out_.append(out, static_cast<std::size_t>(p - out));
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::dynamic_key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}

}  // namespace codeledger::server::wire
