// Reading UTF-8 strictly (RFC 3629), for the writers that must repair text a client sent
// before it goes into an answer: the JSON writer (json_writer.cc) and the XML text of the
// Altcraft dialect (xml_text.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace codeledger::server::wire {

// U+FFFD REPLACEMENT CHARACTER, in UTF-8: what the writers put for text they cannot carry.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence starting at s[i] (no overlongs, no surrogates,
// nothing above U+10FFFF), or 0 when it is malformed. s[i] must not be ASCII.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// The code point of the well-formed sequence of `length` bytes at s[i] (length as given by
// utf8_sequence_length, 2 to 4).
std::uint32_t utf8_code_point(std::string_view s, std::size_t i, std::size_t length);

}  // namespace codeledger::server::wire
