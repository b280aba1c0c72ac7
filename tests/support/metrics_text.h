// Reading a Prometheus text page (GET /metrics) in tests.
#pragma once

#include <string>

namespace codeledger::testing {

// The value of the sample line that starts with `series ` (name plus labels), or -1.
inline double sample_value(const std::string& text, const std::string& series) {
  const std::string head = series + " ";
  for (std::size_t at = text.find(head); at != std::string::npos; at = text.find(head, at + 1)) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + head.size()));
  }
  return -1;
}

}  // namespace codeledger::testing
