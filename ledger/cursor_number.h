// A number inside a page cursor (an export's "c<shard>.<record>", a wallet's "w<position>"),
// read only as the ledger writes it: decimal digits, no sign, no leading zero. Each position
// then has one spelling, so a cursor the ledger did not hand out ("w01", "c01.0") is refused
// (400 cursor is not valid) rather than read as another one.
#pragma once

#include <charconv>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace codeledger::ledger::detail {

template <class Unsigned>
  requires std::is_unsigned_v<Unsigned>
bool parse_cursor_number(std::string_view text, Unsigned* out) {
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return false;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

}  // namespace codeledger::ledger::detail
