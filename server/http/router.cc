#include "server/http/router.h"

#include <algorithm>
#include <array>
#include <utility>

#include "ledger/hex.h"

namespace codeledger::server {
namespace {

bool is_param(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// The Allow header's value: each method once, in one order whatever the routes' order, and
// HEAD wherever GET is (Router::match).
std::string allow_text(std::vector<http::verb> methods) {
  if (std::find(methods.begin(), methods.end(), http::verb::get) != methods.end()) {
    methods.push_back(http::verb::head);
  }
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  std::string text;
  for (const http::verb m : methods) {
    if (!text.empty()) text += ", ";
    text += http::to_string(m);
  }
  return text;
}

// RFC 3986 2.3.
bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// The character "%XY" at the start of `escape` stands for when it is unreserved, else 0.
char unreserved_escape(std::string_view escape) {
  if (escape.size() < 3 || escape[0] != '%') return 0;
  const int hi = hex_digit_value(escape[1]);
  const int lo = hex_digit_value(escape[2]);
  if (hi < 0 || lo < 0) return 0;
  const char c = static_cast<char>(hi * 16 + lo);
  return is_unreserved(c) ? c : 0;
}

}  // namespace

// A path split once at its slashes ("/a/b/c": "a", "b", "c"), so each pattern compares whole
// segments rather than searching the path again: every request is matched against every
// endpoint. Patterns are split by it too, when they are added.
class Router::PathSegments {
 public:
  explicit PathSegments(std::string_view path) {
    if (!path.starts_with('/')) return;
    path.remove_prefix(1);
    while (count_ < items_.size()) {
      const auto slash = path.find('/');
      items_[count_++] = path.substr(0, slash);
      if (slash == std::string_view::npos) return;
      path.remove_prefix(slash + 1);
    }
    count_ = 0;  // longer than any pattern may be: matches nothing
  }
  std::size_t size() const { return count_; }
  std::string_view operator[](std::size_t i) const { return items_[i]; }

 private:
  std::array<std::string_view, kPatternSegmentsMax> items_;
  std::size_t count_ = 0;  // 0: not a path any pattern can match
};

void Router::add(Endpoint endpoint) {
  CL_CHECK(endpoint.pattern.starts_with('/'));
  CL_CHECK(static_cast<bool>(endpoint.call));
  const PathSegments pattern(endpoint.pattern);
  CL_CHECK(pattern.size() > 0);  // at most kPatternSegmentsMax segments
  Compiled c;
  std::size_t params = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::string_view segment = pattern[i];
    const bool param = is_param(segment);
    const std::string_view text = param ? segment.substr(1, segment.size() - 2) : segment;
    c.segments.push_back(Segment{std::string(text), param, {}});
    if (param) ++params;
  }
  CL_CHECK(params <= PathParams::kMax);
  for (Compiled& other : endpoints_) {
    reserve_words(c, other);
    reserve_words(other, c);
  }
  c.endpoint = std::move(endpoint);
  by_length_[pattern.size()].push_back(endpoints_.size());
  if (params == 0) literal_[c.endpoint.pattern].push_back(endpoints_.size());
  endpoints_.push_back(std::move(c));
}

void Router::add(const Route& route) {
  CL_CHECK(route.handler != nullptr);
  add(Endpoint{route.method, route.pattern, route.handler, route.scope, Access::kScoped,
               /*checks_credentials=*/false, route.lane});
}

// Walks both patterns from the start while they are alike (the same literal, or a parameter
// in both); where they first differ, a parameter of `owner` facing a literal of `other`
// reserves that literal. Past that place the two can never match one path, so nothing
// further is reserved: "/promotions/customer/{customerId}" takes "code" as a customer id.
void Router::reserve_words(Compiled& owner, const Compiled& other) {
  const std::size_t n = std::min(owner.segments.size(), other.segments.size());
  for (std::size_t i = 0; i < n; ++i) {
    Segment& mine = owner.segments[i];
    const Segment& theirs = other.segments[i];
    if (mine.param && theirs.param) continue;
    if (!mine.param && !theirs.param && mine.text == theirs.text) continue;
    const bool known = std::find(mine.reserved.begin(), mine.reserved.end(), theirs.text) !=
                       mine.reserved.end();
    if (mine.param && !known) mine.reserved.push_back(theirs.text);
    return;
  }
}

bool Router::Segment::takes(std::string_view value) const {
  if (!param) return value == text;
  return !value.empty() && std::find(reserved.begin(), reserved.end(), value) == reserved.end();
}

bool Router::matches(const Compiled& c, const PathSegments& path, PathParams* params) {
  if (c.segments.size() != path.size()) return false;
  for (std::size_t i = 0; i < c.segments.size(); ++i) {
    if (!c.segments[i].takes(path[i])) return false;
  }
  if (params) {
    for (std::size_t i = 0; i < c.segments.size(); ++i) {
      if (c.segments[i].param) params->add(c.segments[i].text, path[i]);
    }
  }
  return true;
}

RouteMatch Router::found(std::size_t index) const {
  RouteMatch result;
  result.kind = RouteMatch::Kind::kFound;
  result.endpoint = &endpoints_[index].endpoint;
  result.index = index;
  return result;
}

// HEAD is served by the GET endpoint of the path (RFC 9110 9.3.2: a server MUST support HEAD
// wherever it supports GET); the session sends the answer's head without its body.
RouteMatch Router::match(http::verb asked, std::string_view path, PathParams& params) const {
  const http::verb method = asked == http::verb::head ? http::verb::get : asked;
  if (const auto it = literal_.find(path); it != literal_.end()) {
    for (const std::size_t i : it->second) {
      if (endpoints_[i].endpoint.method == method) return found(i);
    }
  }
  // Patterns that match one path are alike at every segment (a parameter does not take a
  // word another pattern has at its place: reserve_words), so they differ only in method:
  // the one with the asked method is the endpoint, the others are what Allow lists.
  const PathSegments segments(path);
  std::vector<http::verb> allowed;
  for (const std::size_t i : by_length_[segments.size()]) {
    const Compiled& c = endpoints_[i];
    if (!matches(c, segments, nullptr)) continue;
    if (c.endpoint.method == method) {
      matches(c, segments, &params);
      return found(i);
    }
    allowed.push_back(c.endpoint.method);
  }
  RouteMatch result;
  if (!allowed.empty()) {
    result.kind = RouteMatch::Kind::kMethodNotAllowed;
    result.allow = allow_text(std::move(allowed));
  }
  return result;
}

Target split_target(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_digit_value(in[i + 1]);
      const int lo = hex_digit_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return true;
}

std::string_view decode_unreserved(std::string_view path, std::string& storage) {
  std::size_t at = path.find('%');
  while (at != std::string_view::npos && unreserved_escape(path.substr(at)) == 0) {
    at = path.find('%', at + 1);
  }
  if (at == std::string_view::npos) return path;  // the usual case: nothing copied
  storage.assign(path.substr(0, at));
  for (std::size_t i = at; i < path.size(); ++i) {
    if (const char c = unreserved_escape(path.substr(i)); c != 0) {
      storage.push_back(c);
      i += 2;
    } else {
      storage.push_back(path[i]);
    }
  }
  return storage;
}

bool parse_query(std::string_view query, QueryParams& params) {
  std::string name, value;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (!percent_decode(pair.substr(0, eq), name)) return false;
    if (!percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1),
                        value)) {
      return false;
    }
    params.add(std::move(name), std::move(value));
    name = {};
    value = {};
  }
  return true;
}

}  // namespace codeledger::server
