#include "server/http/response_head.h"

#include <charconv>
#include <cstring>
#include <iterator>

#include "server/http/rate_limit.h"

namespace codeledger::server {
namespace {

// One pass with plain compares: std::string_view::find_first_of calls memchr over the set
// for every character of the text, which was 1.4% of the io thread's time on `none` link
// (perf, session 15).
bool header_safe(std::string_view text) {
  for (const char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// The head is gathered in a stack buffer and appended to the answer's string a piece at a
// time: one std::string append per 512 bytes instead of four per field (callgrind, link:
// about 400 instructions an answer less; docs/benchmarks-history.md, session 26).
class HeadText {
 public:
  explicit HeadText(std::string& out) : out_(out) {}
  HeadText(const HeadText&) = delete;
  HeadText& operator=(const HeadText&) = delete;
  ~HeadText() { flush(); }

  void put(std::string_view text) {
    if (text.size() > free_bytes()) {
      flush();
      if (text.size() > sizeof buf_) {
        out_.append(text);
        return;
      }
    }
    std::memcpy(p_, text.data(), text.size());
    p_ += text.size();
  }
  void field(std::string_view name, std::string_view value) {
    put(name);
    put(": ");
    put(value);
    put("\r\n");
  }
  void number(std::uint64_t n) {
    char* p = room(20);
    p_ = std::to_chars(p, p + 20, n).ptr;
  }
  // At least `bytes` (at most the buffer's size) free at the returned position.
  char* room(std::size_t bytes) {
    if (bytes > free_bytes()) flush();
    return p_;
  }
  void advance_to(char* end) { p_ = end; }

 private:
  std::size_t free_bytes() const { return static_cast<std::size_t>(std::end(buf_) - p_); }
  void flush() {
    out_.append(buf_, p_);
    p_ = buf_;
  }

  std::string& out_;
  char buf_[512];
  char* p_ = buf_;
};

// The policy is the limiter's own text (rate_limit_policy_header): a quoted name and digits,
// nothing to screen.
void put_rate_headers(HeadText& head, const Reply::RateHeaders& rate) {
  head.field("RateLimit-Policy", rate.policy);
  // The policy's name is the quoted string that opens its value.
  const std::string_view name = rate.policy.substr(1, rate.policy.find('"', 1) - 1);
  head.put("RateLimit: ");
  char* p = head.room(name.size() + kRateLimitNumbersBytesMax);
  head.advance_to(write_rate_limit_value(p, name, rate.remaining, rate.reset_s));
  head.put("\r\n");
}

}  // namespace

bool status_has_body(http::status status) {
  const unsigned code = static_cast<unsigned>(status);
  return code >= 200 && code != 204 && code != 304;
}

void append_response_head(std::string& out, const Reply& reply, std::string_view date,
                          bool keep_alive, bool announce_keep_alive) {
  HeadText head(out);
  head.put("HTTP/1.1 ");
  head.number(static_cast<unsigned>(reply.status));
  head.put(" ");
  head.put(http::obsolete_reason(reply.status));
  head.put("\r\nServer: codeledger\r\nDate: ");
  head.put(date);
  head.put("\r\n");
  if (header_safe(reply.content_type)) head.field("Content-Type", reply.content_type);
  for (const auto& [name, value] : reply.headers) {
    if (header_safe(name) && header_safe(value)) head.field(name, value);
  }
  if (!reply.rate.policy.empty()) put_rate_headers(head, reply.rate);
  if (status_has_body(reply.status)) {
    head.put("Content-Length: ");
    head.number(reply.body.size());
    head.put("\r\n");
  }
  if (!keep_alive) {
    head.put("Connection: close\r\n");
  } else if (announce_keep_alive) {
    head.put("Connection: keep-alive\r\n");
  }
  head.put("\r\n");
}

}  // namespace codeledger::server
