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
    "non-empty, without ':' or control characters (bytes 0x00-0x1f, 0x7f)";

inline bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

inline bool valid_api_key_name(std::string_view name) {
  return !name.empty() && name.find(':') == std::string_view::npos && !has_control_char(name);
}

}  // namespace codeledger::crypto
