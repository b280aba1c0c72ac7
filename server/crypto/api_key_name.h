// What an API key's name may be, for the server's config reader and for `ledgerctl keys add`
// alike (both link codeledger_crypto; tools may not include the HTTP layer). The name is the
// user-id of Capillary's Basic credentials: no ':' (Basic auth splits on it) and no control
// characters (an HTTP header cannot carry them, and they would garble `keys list` and the
// access log). Spaces and other printable bytes are allowed, as RFC 7617 allows them.
#pragma once

#include <algorithm>
#include <string_view>

namespace codeledger::crypto {

// The rule, worded for messages ("name: must be ...").
inline constexpr std::string_view kApiKeyNameRule =
    "non-empty, without ':' or control characters (bytes 0x00-0x1f, 0x7f; U+0080-U+009F, "
    "U+2028 and U+2029 in UTF-8)";

// ASCII's controls, and in UTF-8 the C1 controls (NEL, U+0085, among them) and the line and
// paragraph separators: each breaks a line in some reader of the logs and dumps that show
// names (probe 33: U+0085 and U+2028 went through).
inline bool has_control_char(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char b = byte(i);
    if (b < 0x20 || b == 0x7f) return true;
    if (b == 0xC2 && i + 1 < s.size() && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9F) return true;
    if (b == 0xE2 && i + 2 < s.size() && byte(i + 1) == 0x80 &&
        (byte(i + 2) == 0xA8 || byte(i + 2) == 0xA9)) {
      return true;
    }
  }
  return false;
}

inline bool valid_api_key_name(std::string_view name) {
  return !name.empty() && name.find(':') == std::string_view::npos && !has_control_char(name);
}

}  // namespace codeledger::crypto
