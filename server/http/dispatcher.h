// From a parsed request to a Reply, without sockets: routing, query decoding, auth, the rate
// limit, scope check, the handler call. The session only reads, calls handle() and writes.
//
// Order for a scoped route: a client address that failed authentication too often is
// refused (429) before any credential is hashed; then the credentials (401, charged to the
// address); then the key's rate limit (429); then the scope (403). Admitted answers carry
// RateLimit-Policy and RateLimit headers. Altcraft routes whose token is in the body are
// limited the same way when their handler resolves the token (LimitingTokens, .cc).
//
// Thread safety: handle() is called concurrently from every io thread; everything here is
// constant after construction except what Auth, RateLimiter, HttpMetrics and the Ledger
// guard themselves.
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "server/http/auth.h"
#include "server/http/gates.h"
#include "server/http/metrics.h"
#include "server/http/rate_limit.h"
#include "server/http/router.h"

namespace codeledger::server {

// What the session knows about a request beyond its bytes, and what it learns back.
struct RequestInfo {
  AddressSlot client_slot{};  // the peer's slot in the limit of failed authentication
  std::size_t route = 0;   // set by handle(): router index, or the metrics' unmatched route
  AuthMemo* auth_memo = nullptr;  // the connection's remembered credentials (auth.h), if any
  // In: the caller can run a Lane::kBackground endpoint elsewhere. Out (handle()): the
  // request matched one and passed authentication, the key's rate limit and the scope check,
  // and its handler was not called; the caller calls handle() again there with `admitted`
  // as handle() left it, and may_defer false.
  bool may_defer = false;
  bool deferred = false;
  struct Admitted {
    Caller caller;
    RateDecision rate;
    // A body-token call's place among its address's unauthenticated calls in the lane
    // (RateLimiter::hold_unverified_place): given back when the last copy of this goes,
    // after the call ran or when the lane refused it.
    std::shared_ptr<void> unverified_place;
  };
  std::optional<Admitted> admitted;  // set with deferred: checked once, not charged twice
};

class Dispatcher {
 public:
  // `limiter` and `metrics` may be null (no limits, no counting).
  Dispatcher(ledger::Ledger& ledger, Auth& auth, Router router, Clock clock,
             RateLimiter* limiter = nullptr, HttpMetrics* metrics = nullptr);

  Reply handle(const HttpRequest& request, RequestInfo& info) const;
  Reply handle(const HttpRequest& request) const {
    RequestInfo info;
    return handle(request, info);
  }
  const Router& router() const { return router_; }
  // Where `client`'s failed authentications count (RequestInfo::client_slot), found once
  // per connection.
  AddressSlot address_slot(const ClientAddress& client) const {
    return limiter_ ? limiter_->slot_of(client) : AddressSlot{};
  }

 private:
  Reply route_and_call(const HttpRequest& request, RequestInfo& info) const;
  Reply call(const Endpoint& endpoint, const HttpRequest& request, std::string_view path,
             const QueryParams& query, const PathParams& params, RequestInfo& info) const;
  Reply call_checking_credentials(const Endpoint& endpoint, const HttpRequest& request,
                                  const QueryParams& query, const PathParams& params,
                                  std::string_view path, const RequestInfo& info) const;
  // The 401 or 429 answer when the Authorization header does not authenticate.
  std::optional<Reply> authenticate(std::string_view authorization, std::string_view path,
                                    const RequestInfo& info, Caller& caller) const;

  ledger::Ledger& ledger_;
  Auth& auth_;
  Router router_;
  Clock clock_;
  RateLimiter* limiter_;
  HttpMetrics* metrics_;
};

// 429 in the path's dialect with Retry-After, RateLimit-Policy and RateLimit.
Reply too_many_requests(std::string_view path, const RateDecision& decision,
                        std::string_view message);
// Adds RateLimit-Policy and RateLimit to an admitted answer (nothing when not limited). The
// answer keeps a view of decision.policy, the limiter's own text (Reply::rate).
void add_rate_headers(Reply& reply, const RateDecision& decision);

// The server's own endpoints: GET /healthz, GET /readyz, POST /v3/oauth/token/generate
// (each issue charged to the key's rate limit in `limiter`, when there is one). `probe` may
// be null; `ready` is the server's "accepting traffic" flag. All references must outlive
// the router.
std::vector<Endpoint> builtin_endpoints(Auth& auth, RateLimiter* limiter, const HealthProbe* probe,
                                        const std::atomic<bool>& ready);

}  // namespace codeledger::server
