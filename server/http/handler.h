// The contract between the HTTP layer (session, router, auth) and the dialect handlers.
// A handler is a free function from an authenticated, parsed request to a Reply: no
// sockets, no Asio, so handlers are tested by calling them.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/ledger.h"

namespace codeledger::server {

namespace http = boost::beast::http;
// A request's target and kept fields (request_parser.h) live in memory its session hands
// out and takes back all at once for each request (Session::arena_), not one heap block each;
// a request built elsewhere (tests, tools) gets the default resource, the heap.
using FieldsAllocator = std::pmr::polymorphic_allocator<char>;
using RequestFields = http::basic_fields<FieldsAllocator>;
using HttpRequest = http::request<http::string_body, RequestFields>;

// The value of the request's first `name` field, or empty. A walk comparing each kept field's
// enum: a request keeps one or two fields (request_parser.h), and Beast's operator[] searches
// its tree comparing the name's text case-insensitively, about 575 instructions a request
// for Authorization on link (callgrind, docs/benchmarks-history.md, session 26).
inline std::string_view field_value(const HttpRequest& request, http::field name) {
  for (const auto& f : request) {
    if (f.name() == name) return f.value();
  }
  return {};
}

enum class Scope : std::uint8_t { kRead = 1, kWrite = 2, kAdmin = 4 };

// "read", "write", "admin": as the config file and ledgerctl name scopes, for messages.
inline std::string_view scope_name(Scope scope) {
  switch (scope) {
    case Scope::kRead: return "read";
    case Scope::kWrite: return "write";
    case Scope::kAdmin: return "admin";
  }
  return "unknown";
}

// The 403 text for a key without `scope`, the same whichever dialect and credential asked
// (a body token's said "method", a header's "endpoint"; probe 34c).
inline std::string lacks_scope_message(std::string_view key_name, Scope scope) {
  return "API key '" + std::string(key_name) + "' lacks the " + std::string(scope_name(scope)) +
         " scope this endpoint needs";
}

// Who is calling: resolved by auth before any handler runs. Constant for the request.
struct Caller {
  ledger::OrgId org = 0;
  std::string key_name;        // the API key's public name (events record it)
  std::uint8_t scopes = 0;     // bit set of Scope
  bool has(Scope s) const { return (scopes & static_cast<std::uint8_t>(s)) != 0; }
};

// Decoded `?a=b&c=d` (percent-decoded); repeated names keep every value in order.
class QueryParams {
 public:
  void add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  const std::string* find(std::string_view name) const {
    for (const auto& [n, v] : items_) if (n == name) return &v;
    return nullptr;
  }
  std::size_t count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& item : items_) n += item.first == name;
    return n;
  }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// `{name}` segments of the matched route pattern, in pattern order.
// A fixed array, not a vector: every routed request has one, and the router never lets a
// pattern hold more than kMax parameters.
class PathParams {
 public:
  static constexpr std::size_t kMax = 4;
  void add(std::string_view name, std::string_view value) {
    CL_CHECK(count_ < kMax);
    items_[count_++] = {name, value};
  }
  std::string_view get(std::string_view name) const {
    for (std::size_t i = 0; i < count_; ++i) {
      if (items_[i].first == name) return items_[i].second;
    }
    return {};
  }
 private:
  std::array<std::pair<std::string_view, std::string_view>, kMax> items_{};
  std::size_t count_ = 0;
};

// Resolves an access token (a bearer token, or Altcraft's `token` body field) to its caller.
// Implemented by server/http/auth.h; thread-safe.
class TokenAuthority {
 public:
  virtual std::optional<Caller> authenticate_token(std::string_view token) const = 0;

 protected:
  ~TokenAuthority() = default;
};

// Routes under /api/v1.1/ (Altcraft) reach their handler without an Authorization header:
// the caller is then empty (org 0) and the handler resolves the body's `token` through
// `tokens` and checks the scope itself. Every other route is authenticated before it runs.
struct RequestContext {
  const HttpRequest& request;
  const Caller& caller;
  const QueryParams& query;
  const PathParams& path;
  ledger::Ledger& ledger;
  ledger::TimeMs now_ms = 0;
  const TokenAuthority* tokens = nullptr;
};

struct Reply {
  http::status status = http::status::ok;
  std::string body;
  // Both always string literals (or other static text): views, so an answer does not pay
  // for heap copies of them.
  std::string_view content_type = "application/json";
  std::vector<std::pair<std::string_view, std::string>> headers;  // extra response headers
  // The RateLimit-Policy and RateLimit headers (add_rate_headers), written with the head so
  // an answer allocates nothing for them. `policy` views text the RateLimiter keeps until it
  // is destroyed, after every session (server.h); empty: no rate headers.
  struct RateHeaders {
    std::string_view policy;
    std::uint32_t remaining = 0;
    std::int64_t reset_s = 0;
  };
  RateHeaders rate;
  // Highest LSN the answer reveals (Op::visible_lsn). The session holds the response
  // until that LSN is durable when durability is `sync`.
  ledger::Lsn await_lsn = 0;
};

// A JSON answer with this status and body (health, readiness, reload, token answers).
inline Reply json_reply(http::status status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

using Handler = Reply (*)(RequestContext& ctx);

// Where a route's handler runs: on the io thread that read the request, or (for the few that
// run long: bulk generation, import, export) on the server's background lane, so the other
// connections of that io thread are not held meanwhile (background_lane.h).
enum class Lane : std::uint8_t { kIo, kBackground };

struct Route {
  http::verb method;
  std::string pattern;   // e.g. "/api_gateway/v1/promotions/{promotionId}/issueBulk"
  Handler handler;
  Scope scope;           // scope the caller's key must hold
  Lane lane = Lane::kIo;
};

}  // namespace codeledger::server
