#include "server/http/head_screen.h"

#include <boost/beast/core/string.hpp>

namespace codeledger::server {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::size_t find_head_end(std::string_view data, std::size_t from) {
  // Back up so a terminator split across two reads is still found.
  from = from >= 3 ? from - 3 : 0;
  const auto pos = data.find("\r\n\r\n", from);
  return pos == std::string_view::npos ? 0 : pos + 4;
}

std::string_view screen_request_head(std::string_view head) {
  // Every line must end in CRLF: a lone CR or LF is where parsers disagree.
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) return "bare LF in request head";
    if (head[i] == '\r' && (i + 1 == head.size() || head[i + 1] != '\n')) return "bare CR in request head";
  }
  const auto first_eol = head.find("\r\n");
  if (first_eol == std::string_view::npos) return "incomplete request head";
  std::string_view rest = head.substr(first_eol + 2);
  int content_lengths = 0;
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
    if (line.empty()) break;  // the blank line ending the head
    if (line.front() == ' ' || line.front() == '\t') return "obsolete line folding";
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return "field line without a colon";
    const std::string_view name = line.substr(0, colon);
    if (boost::beast::iequals(name, "transfer-encoding")) return "Transfer-Encoding is not accepted";
    if (boost::beast::iequals(name, "content-length")) {
      if (++content_lengths > 1) return "more than one Content-Length";
      const std::string_view value = trim(line.substr(colon + 1));
      if (value.empty() || value.size() > 18) return "malformed Content-Length";
      for (char c : value) {
        if (c < '0' || c > '9') return "malformed Content-Length";
      }
    }
  }
  return {};
}

}  // namespace codeledger::server
