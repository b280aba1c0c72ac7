#include "wal/set_aside.h"

#include <charconv>

#include "wal/format.h"

namespace codeledger::wal {

Result<std::string> set_aside_name(FileSystem& fs, const std::string& path, std::string_view suffix) {
  const std::string first = path + std::string(suffix);
  if (!fs.exists(first)) return first;
  for (unsigned n = 1; n <= format::kSetAsideCopiesMax; ++n) {
    std::string numbered = first + "." + std::to_string(n);
    if (!fs.exists(numbered)) return numbered;
  }
  return Status(Code::kIoError, "cannot set " + path + " aside: " + first + " and .1 to ." +
                                    std::to_string(format::kSetAsideCopiesMax) +
                                    " exist already; move them away");
}

std::optional<std::string_view> set_aside_original(std::string_view name, std::string_view suffix) {
  const std::size_t at = name.rfind(suffix);
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  std::string_view copy = name.substr(at + suffix.size());  // "" or ".N"
  if (!copy.empty()) {
    if (copy.front() != '.') return std::nullopt;
    copy.remove_prefix(1);
    unsigned n = 0;
    const auto [end, ec] = std::from_chars(copy.data(), copy.data() + copy.size(), n);
    if (ec != std::errc() || end != copy.data() + copy.size() || n == 0 || copy.front() == '0') {
      return std::nullopt;
    }
  }
  return name.substr(0, at);
}

}  // namespace codeledger::wal
