// What an XML 1.0 document may hold, for the Altcraft dialect's reader (altcraft/params.cc)
// and writer (altcraft/reply.cc). XML 1.0 allows only the characters of its Char production,
// written or as character references:
//   #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
// A document holding any other (a C0 control, U+FFFE, U+FFFF) or bytes that are not UTF-8
// is not well-formed, and a strict parser refuses all of it, not the one value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace codeledger::server::wire {

constexpr bool is_xml_char(std::uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// `text` as an XML 1.0 document can carry it: every character outside Char, and every byte
// that is not part of well-formed UTF-8, becomes U+FFFD (as the JSON writer repairs bad
// UTF-8). No reference can stand for them instead: "&#1;" is refused by XML 1.0 too. So a
// value holding one loses that character, and the answer around it stays readable.
std::string xml_char_data(std::string_view text);

}  // namespace codeledger::server::wire
