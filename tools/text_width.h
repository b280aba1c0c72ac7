// Table columns by display width: a name such as "wr ü7" (6 bytes, 5 columns) or "收银台"
// (9 bytes, 6 columns) padded by bytes with printf's %-16s shifted every later column
// (probe 34a). The widths are the C library's (wcwidth under its C.UTF-8 locale), not the
// terminal's locale, so the output is the same under LANG=C.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace codeledger::tools {

// Columns `text` takes on a terminal: each UTF-8 code point counts 1, East Asian wide and
// fullwidth ones (CJK, Hangul, fullwidth forms, most emoji) 2, combining marks and zero-width
// characters 0. A byte that is not part of valid UTF-8 counts 1.
std::size_t display_width(std::string_view text);

// `text` followed by spaces up to `width` columns (never cut: a longer text is returned as
// is, like printf's %-Ns).
std::string pad_right(std::string_view text, std::size_t width);
// Spaces up to `width` columns, then `text` (printf's %Ns).
std::string pad_left(std::string_view text, std::size_t width);

}  // namespace codeledger::tools
