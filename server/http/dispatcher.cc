#include "server/http/dispatcher.h"

#include <algorithm>
#include <exception>

#include "server/http/errors.h"
#include "server/wire/json_reader.h"
#include "server/wire/json_writer.h"

namespace codeledger::server {
namespace {

Reply with_header(Reply reply, std::string_view name, std::string value) {
  reply.headers.emplace_back(name, std::move(value));
  return reply;
}

bool is_altcraft(std::string_view path) { return path.starts_with("/api/v1.1/"); }

constexpr std::string_view kAuthFailuresRefused = "rate limit exceeded for authentication failures";

// The 429 when the client's address is over its limit of failed authentications. Asked
// before any credential is hashed: failed attempts must not buy CPU time.
std::optional<Reply> refuse_failing_address(RateLimiter* limiter, AddressSlot client,
                                            std::string_view path) {
  if (limiter == nullptr) return std::nullopt;
  const RateDecision d = limiter->check_address(client);
  if (d.admitted) return std::nullopt;
  return too_many_requests(path, d, kAuthFailuresRefused);
}

// Counts one failed authentication; the 429 when it takes the address over its limit.
std::optional<Reply> count_auth_failure(RateLimiter* limiter, HttpMetrics* metrics,
                                        AddressSlot client, std::string_view path) {
  if (metrics != nullptr) metrics->auth_failure();
  if (limiter == nullptr) return std::nullopt;
  const RateDecision d = limiter->charge_failure(client);
  if (d.admitted) return std::nullopt;
  return too_many_requests(path, d, kAuthFailuresRefused);
}

// Resolves Altcraft body tokens for the handler and applies the same address and key limits
// as the header path; the dispatcher turns a refusal into a 429 after the handler returns
// (the handler stops at its failed authentication, before touching the ledger).
class LimitingTokens final : public TokenAuthority {
 public:
  LimitingTokens(const Auth& auth, RateLimiter* limiter, HttpMetrics* metrics,
                 AddressSlot client)
      : auth_(auth), limiter_(limiter), metrics_(metrics), client_(client) {}

  std::optional<Caller> authenticate_token(std::string_view token) const override {
    refusal = refuse_failing_address(limiter_, client_, refusal_path);
    if (refusal) return std::nullopt;
    std::optional<Caller> caller = auth_.authenticate_token(token);
    if (!caller) {
      refusal = count_auth_failure(limiter_, metrics_, client_, refusal_path);
      return std::nullopt;
    }
    if (limiter_) {
      decision = limiter_->admit_key(caller->key_name);
      if (!decision.admitted) {
        refusal = too_many_requests(refusal_path, decision,
                                    "rate limit exceeded for API key '" + caller->key_name + "'");
        return std::nullopt;
      }
    }
    return caller;
  }

  mutable RateDecision decision;        // the key's decision once a token resolved
  mutable std::optional<Reply> refusal;  // 429 to answer instead of the handler's reply
  std::string_view refusal_path;  // the request's path (outlives this object)

 private:
  const Auth& auth_;
  RateLimiter* limiter_;
  HttpMetrics* metrics_;
  AddressSlot client_;
};

}  // namespace

Reply too_many_requests(std::string_view path, const RateDecision& decision,
                        std::string_view message) {
  const std::int64_t retry_s = std::max<std::int64_t>(1, ceil_seconds(decision.retry_after_ns));
  Reply reply = envelope_error(path, http::status::too_many_requests,
                               std::string(message) + "; retry after " + std::to_string(retry_s) + " s");
  reply.headers.emplace_back("Retry-After", std::to_string(retry_s));
  add_rate_headers(reply, decision);
  return reply;
}

void add_rate_headers(Reply& reply, const RateDecision& decision) {
  if (!decision.limited || decision.policy.empty()) return;
  reply.rate = {decision.policy, decision.remaining, ceil_seconds(decision.reset_ns)};
}

Dispatcher::Dispatcher(ledger::Ledger& ledger, Auth& auth, Router router, Clock clock,
                       RateLimiter* limiter, HttpMetrics* metrics)
    : ledger_(ledger),
      auth_(auth),
      router_(std::move(router)),
      clock_(std::move(clock)),
      limiter_(limiter),
      metrics_(metrics) {}

Reply Dispatcher::handle(const HttpRequest& request, RequestInfo& info) const {
  Reply reply = route_and_call(request, info);
  // RFC 9110 15.5.2: every 401 carries a challenge, also those a handler answers itself
  // (the token endpoint's wrong secret, an Altcraft body token); the scheme named is the
  // one every client of this server can use.
  if (reply.status == http::status::unauthorized) {
    reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"codeledger\"");
  }
  return reply;
}

Reply Dispatcher::route_and_call(const HttpRequest& request, RequestInfo& info) const {
  // Unrouted answers are counted under the route one past the router's endpoints.
  info.route = router_.size();
  const Target target = split_target(request.target());
  QueryParams query;
  if (!parse_query(target.query, query)) {
    return envelope_error(target.path, http::status::bad_request,
                          "malformed percent-escape in the query string");
  }
  std::string decoded;  // the path's storage when it had escapes to decode; params view it
  const std::string_view path = decode_unreserved(target.path, decoded);
  PathParams params;
  const RouteMatch match = router_.match(request.method(), path, params);
  if (match.kind == RouteMatch::Kind::kNotFound) {
    return envelope_error(path, http::status::not_found, "no such endpoint");
  }
  if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    return with_header(envelope_error(path, http::status::method_not_allowed,
                                      "method not allowed; allowed: " + match.allow),
                       "Allow", match.allow);
  }
  info.route = match.index;
  try {
    return call(*match.endpoint, request, path, query, params, info);
  } catch (const std::exception&) {
    // Handlers report errors as values; an exception here is a bug or bad_alloc. The
    // connection survives, the client gets a 500 rather than a reset.
    return envelope_error(path, http::status::internal_server_error, "internal error");
  }
}

Reply Dispatcher::call_checking_credentials(const Endpoint& endpoint, const HttpRequest& request,
                                            const QueryParams& query, const PathParams& params,
                                            std::string_view path, const RequestInfo& info) const {
  if (auto refused = refuse_failing_address(limiter_, info.client_slot, path)) return std::move(*refused);
  const Caller nobody;
  RequestContext ctx{request, nobody, query, params, ledger_, clock_(), &auth_};
  Reply reply = endpoint.call(ctx);
  if (reply.status != http::status::unauthorized) return reply;
  if (auto refused = count_auth_failure(limiter_, metrics_, info.client_slot, path)) return std::move(*refused);
  return reply;
}

std::optional<Reply> Dispatcher::authenticate(std::string_view authorization, std::string_view path,
                                              const RequestInfo& info, Caller& caller) const {
  if (auto refused = refuse_failing_address(limiter_, info.client_slot, path)) return refused;
  AuthResult auth = auth_.authenticate(authorization, info.auth_memo);
  if (auth.caller) {
    caller = std::move(*auth.caller);
    return std::nullopt;
  }
  if (auto refused = count_auth_failure(limiter_, metrics_, info.client_slot, path)) return refused;
  return envelope_error(path, http::status::unauthorized, auth.error);  // handle() adds the challenge
}

Reply Dispatcher::call(const Endpoint& endpoint, const HttpRequest& request, std::string_view path,
                       const QueryParams& query, const PathParams& params,
                       RequestInfo& info) const {
  Caller caller;
  RateDecision rate;
  const std::string_view authorization = field_value(request, http::field::authorization);
  // Altcraft clients put the token in the body; their handler resolves it (handler.h).
  const bool deferred = is_altcraft(path) && authorization.empty();
  if (info.admitted) {  // the background half of a call the io thread admitted
    caller = std::move(info.admitted->caller);
    rate = info.admitted->rate;
  } else if (endpoint.access == Access::kScoped && !deferred) {
    if (auto refused = authenticate(authorization, path, info, caller)) return std::move(*refused);
    if (limiter_) {
      rate = limiter_->admit_key(caller.key_name);
      if (!rate.admitted) {
        return too_many_requests(path, rate,
                                 "rate limit exceeded for API key '" + caller.key_name + "'");
      }
    }
    if (!caller.has(endpoint.scope)) {
      Reply r = envelope_error(path, http::status::forbidden,
                               lacks_scope_message(caller.key_name, endpoint.scope));
      add_rate_headers(r, rate);
      return r;
    }
  }
  if (endpoint.checks_credentials) return call_checking_credentials(endpoint, request, query, params, path, info);
  if (endpoint.lane == Lane::kBackground && info.may_defer) {
    // A body-token call is authenticated by its handler, on the background thread. An
    // address already over its failure limit gets its 429 here, without a place in the
    // background lane that bulk calls of real keys wait for (probe 33).
    std::shared_ptr<void> place;
    if (deferred && limiter_) {
      if (auto refused = refuse_failing_address(limiter_, info.client_slot, path)) return std::move(*refused);
      place = limiter_->hold_unverified_place(info.client_slot);
      if (!place) {
        return too_many_requests(path, RateDecision{},
                                 "too many bulk calls from this address wait to be authenticated");
      }
    }
    info.deferred = true;
    info.admitted = RequestInfo::Admitted{std::move(caller), rate, std::move(place)};
    return Reply{};
  }
  LimitingTokens tokens(auth_, limiter_, metrics_, info.client_slot);
  tokens.refusal_path = path;
  RequestContext ctx{request, caller, query, params, ledger_, clock_(), &tokens};
  Reply reply = endpoint.call(ctx);
  if (tokens.refusal) return std::move(*tokens.refusal);
  if (deferred) rate = tokens.decision;
  add_rate_headers(reply, rate);
  return reply;
}

namespace {

// Longest `key` or `secret` read: far above any configured key name or password, and a
// bound on what a failed attempt makes the server hash.
constexpr std::size_t kTokenFieldBytesMax = 1024;
constexpr std::string_view kTokenPath = "/v3/oauth/token/generate";

// The same reader as every other JSON body (wire::parse_json), so duplicate keys, depth and
// member limits are refused here too: `{"key":"a","secret":"s","key":"b"}` must not pick one.
Reply generate_token(Auth& auth, RateLimiter* limiter, RequestContext& ctx) {
  Result<wire::dom::element> doc = wire::parse_json(ctx.request.body());
  if (!doc.ok()) return capillary_error(doc.status());
  wire::dom::object object;
  if (Status s = wire::read_object(*doc, "body", object); !s.ok()) return capillary_error(s);
  wire::Fields fields(object);
  const auto key = fields.string("key", wire::Need::kRequired, kTokenFieldBytesMax);
  const auto secret = fields.string("secret", wire::Need::kRequired, kTokenFieldBytesMax);
  if (!fields.ok()) return capillary_error(fields.status());
  // An issue is charged to the key's rate limit like any request: unmetered, one key could
  // issue thousands of tokens a second (probe 34c).
  RateDecision rate;  // admitted unless the key's limit refused the issue
  const auto token = auth.generate_token(*key, *secret, [&](const Caller& issuer) {
    if (limiter) rate = limiter->admit_key(issuer.key_name);
    return rate.admitted;
  });
  if (!rate.admitted) {
    return too_many_requests(kTokenPath, rate, "rate limit exceeded for API key '" + std::string(*key) + "'");
  }
  if (!token) return capillary_error(http::status::unauthorized, 401, "invalid API key or secret");
  std::string out = R"({"data":{"accessToken":")";
  out += token->access_token;  // hex: no escaping needed
  out += R"(","tokenType":"Bearer","expiresIn":)";
  out += std::to_string(token->expires_in_s);
  out += "}}";
  Reply r = json_reply(http::status::ok, std::move(out));
  r.headers.emplace_back("Cache-Control", "no-store");
  add_rate_headers(r, rate);
  return r;
}

Reply healthz(const HealthProbe* probe) {
  if (probe) {
    if (auto failure = probe->storage_failure()) {
      std::string body = R"({"status":"failing","reason":)";
      wire::append_json_string(body, *failure);
      body += "}";
      return json_reply(http::status::service_unavailable, std::move(body));
    }
  }
  return json_reply(http::status::ok, R"({"status":"ok"})");
}

Reply readyz(const HealthProbe* probe, const std::atomic<bool>& ready) {
  const bool ok = ready.load(std::memory_order_acquire) && (!probe || !probe->storage_failure());
  if (ok) return json_reply(http::status::ok, R"({"status":"ready"})");
  return json_reply(http::status::service_unavailable, R"({"status":"not ready"})");
}

}  // namespace

std::vector<Endpoint> builtin_endpoints(Auth& auth, RateLimiter* limiter, const HealthProbe* probe,
                                        const std::atomic<bool>& ready) {
  std::vector<Endpoint> out;
  out.push_back(Endpoint{http::verb::post, std::string(kTokenPath),
                         [&auth, limiter](RequestContext& ctx) { return generate_token(auth, limiter, ctx); },
                         Scope::kRead, Access::kPublic, /*checks_credentials=*/true});
  out.push_back(Endpoint{http::verb::get, "/healthz",
                         [probe](RequestContext&) { return healthz(probe); }, Scope::kRead,
                         Access::kPublic});
  out.push_back(Endpoint{http::verb::get, "/readyz",
                         [probe, &ready](RequestContext&) { return readyz(probe, ready); },
                         Scope::kRead, Access::kPublic});
  return out;
}

}  // namespace codeledger::server
