#include "tools/text_width.h"

#include <locale.h>
#include <wchar.h>

#include <cwchar>

namespace codeledger::tools {
namespace {

// glibc's own width tables (wcwidth), read under its built-in C.UTF-8 locale whatever the
// process's locale, so the output is the same under LANG=C. Null when the C library has no
// C.UTF-8 (glibc has it built in since 2.35; Debian 12 ships 2.36).
locale_t utf8_locale() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return loc;
}

}  // namespace

std::size_t display_width(std::string_view text) {
  const locale_t loc = utf8_locale();
  if (loc == static_cast<locale_t>(0)) return text.size();  // bytes, as printf counts them
  const locale_t previous = uselocale(loc);
  std::mbstate_t state{};
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    wchar_t c = 0;
    const std::size_t n = std::mbrtowc(&c, text.data() + i, text.size() - i, &state);
    if (n == 0 || n == static_cast<std::size_t>(-1) || n == static_cast<std::size_t>(-2)) {
      ++width;  // a NUL or a stray byte: one column (a terminal shows a replacement character)
      ++i;
      state = std::mbstate_t{};
      continue;
    }
    const int w = wcwidth(c);
    width += w < 0 ? 1 : static_cast<std::size_t>(w);  // a control character: one column
    i += n;
  }
  uselocale(previous);
  return width;
}

std::string pad_right(std::string_view text, std::size_t width) {
  std::string out(text);
  const std::size_t w = display_width(text);
  if (w < width) out.append(width - w, ' ');
  return out;
}

std::string pad_left(std::string_view text, std::size_t width) {
  const std::size_t w = display_width(text);
  std::string out(w < width ? width - w : 0, ' ');
  out += text;
  return out;
}

}  // namespace codeledger::tools
