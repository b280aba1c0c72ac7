#include "bench/load/resp.h"

#include <charconv>
#include <cstring>

namespace codeledger::bench::resp {
namespace {

// Parses one reply starting at `pos`; returns the end offset, 0 if incomplete, kMalformed.
std::size_t parse_at(std::string_view buf, std::size_t pos, Reply* out, std::size_t depth) {
  if (depth > kDepthMax) return kMalformed;
  if (pos >= buf.size()) return 0;
  const std::size_t eol = buf.find("\r\n", pos);
  if (eol == std::string_view::npos) return 0;
  const char type = buf[pos];
  const std::string_view line = buf.substr(pos + 1, eol - pos - 1);
  const std::size_t after = eol + 2;
  Reply r;
  if (type == '+' || type == '-') {
    r.kind = type == '+' ? Kind::kSimple : Kind::kError;
    r.text = line;
    if (out) *out = r;
    return after;
  }
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), n);
  if (ec != std::errc() || p != line.data() + line.size()) return kMalformed;
  r.integer = n;
  if (type == ':') {
    r.kind = Kind::kInteger;
  } else if (type == '$') {
    if (n < 0) {
      r.kind = Kind::kNullBulk;
    } else {
      const auto len = static_cast<std::size_t>(n);
      if (buf.size() < after + len + 2) return 0;
      r.kind = Kind::kBulk;
      r.text = buf.substr(after, len);
      if (out) *out = r;
      return after + len + 2;
    }
  } else if (type == '*') {
    r.kind = Kind::kArray;
    std::size_t at = after;
    for (std::int64_t i = 0; i < n; ++i) {
      at = parse_at(buf, at, nullptr, depth + 1);
      if (at == 0 || at == kMalformed) return at;
    }
    if (out) *out = r;
    return at;
  } else {
    return kMalformed;
  }
  if (out) *out = r;
  return after;
}

}  // namespace

std::size_t parse(std::string_view buf, Reply* out) { return parse_at(buf, 0, out, 0); }

char* Inbox::room() {
  if (buf_.size() < used_ + read_bytes_) buf_.resize(used_ + read_bytes_);
  return buf_.data() + used_;
}

void Inbox::consume(std::size_t n) {
  const std::size_t rest = used_ - n;
  if (rest > 0) std::memmove(buf_.data(), buf_.data() + n, rest);
  moved_ += rest;
  used_ = rest;
}

}  // namespace codeledger::bench::resp
