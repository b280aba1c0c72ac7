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


// Resolves Altcraft body tokens for the handler and applies the same address and key limits
// as the header path; the dispatcher turns a refusal into a 429 after the handler returns
// (the handler stops at its failed authentication, before touching the ledger).
class LimitingTokens final : public TokenAuthority {
 public:
  LimitingTokens(const Auth& auth, RateLimiter* limiter, HttpMetrics* metrics,
                 const ClientAddress& client)
      : auth_(auth), limiter_(limiter), metrics_(metrics), client_(client) {}

  std::optional<Caller> authenticate_token(std::string_view token) const override {
    if (limiter_) {
      if (RateDecision d = limiter_->check_address(client_); !d.admitted) {
        return refuse(d, "authentication failures");
      }
    }
    std::optional<Caller> caller = auth_.authenticate_token(token);
    if (!caller) {
      if (metrics_) metrics_->auth_failure();
      if (limiter_) {
        if (RateDecision d = limiter_->charge_failure(client_); !d.admitted) {
          return refuse(d, "authentication failures");
        }
      }
      return std::nullopt;
    }
    if (limiter_) {
      decision = limiter_->admit_key(caller->key_name);
      if (!decision.admitted) return refuse(decision, "API key '" + caller->key_name + "'");
    }
    return caller;
  }

  mutable RateDecision decision;        // the key's decision once a token resolved
  mutable std::optional<Reply> refusal;  // 429 to answer instead of the handler's reply
  std::string_view refusal_path;  // the request's path (outlives this object)

 private:
  std::nullopt_t refuse(const RateDecision& d, const std::string& who) const {
    refusal = too_many_requests(refusal_path, d, "rate limit exceeded for " + who);
    return std::nullopt;
  }

  const Auth& auth_;
  RateLimiter* limiter_;
  HttpMetrics* metrics_;
  ClientAddress client_;
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
  // Unrouted answers are counted under the route one past the router's endpoints.
  info.route = router_.size();
  const Target target = split_target(request.target());
  QueryParams query;
  if (!parse_query(target.query, query)) {
    return envelope_error(target.path, http::status::bad_request,
                          "malformed percent-escape in the query string");
  }
  PathParams params;
  const RouteMatch match = router_.match(request.method(), target.path, params);
  if (match.kind == RouteMatch::Kind::kNotFound) {
    return envelope_error(target.path, http::status::not_found, "no such endpoint");
  }
  if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    return with_header(envelope_error(target.path, http::status::method_not_allowed,
                                      "method not allowed; allowed: " + match.allow),
                       "Allow", match.allow);
  }
  info.route = match.index;
  try {
    return call(*match.endpoint, request, target.path, query, params, info);
  } catch (const std::exception&) {
    // Handlers report errors as values; an exception here is a bug or bad_alloc. The
    // connection survives, the client gets a 500 rather than a reset.
    return envelope_error(target.path, http::status::internal_server_error, "internal error");
  }
}

Reply Dispatcher::call_checking_credentials(const Endpoint& endpoint, const HttpRequest& request,
                                            const QueryParams& query, const PathParams& params,
                                            std::string_view path, const RequestInfo& info) const {
  const std::string_view failures = "rate limit exceeded for authentication failures";
  if (limiter_) {
    if (RateDecision d = limiter_->check_address(info.client); !d.admitted) {
      return too_many_requests(path, d, failures);
    }
  }
  const Caller nobody;
  RequestContext ctx{request, nobody, query, params, ledger_, clock_(), &auth_};
  Reply reply = endpoint.call(ctx);
  if (reply.status != http::status::unauthorized) return reply;
  if (metrics_) metrics_->auth_failure();
  if (limiter_) {
    if (RateDecision d = limiter_->charge_failure(info.client); !d.admitted) {
      return too_many_requests(path, d, failures);
    }
  }
  return reply;
}

std::optional<Reply> Dispatcher::authenticate(std::string_view authorization, std::string_view path,
                                              const RequestInfo& info, Caller& caller) const {
  const ClientAddress& client = info.client;
  // Refused before hashing anything: failed attempts must not buy CPU time.
  if (limiter_) {
    if (RateDecision d = limiter_->check_address(client); !d.admitted) {
      return too_many_requests(path, d, "rate limit exceeded for authentication failures");
    }
  }
  AuthResult auth = auth_.authenticate(authorization, info.auth_memo);
  if (auth.caller) {
    caller = std::move(*auth.caller);
    return std::nullopt;
  }
  if (metrics_) metrics_->auth_failure();
  if (limiter_) {
    if (RateDecision d = limiter_->charge_failure(client); !d.admitted) {
      return too_many_requests(path, d, "rate limit exceeded for authentication failures");
    }
  }
  return with_header(envelope_error(path, http::status::unauthorized, auth.error),
                     "WWW-Authenticate", "Basic realm=\"codeledger\"");
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
                               "API key '" + caller.key_name + "' lacks the scope this endpoint needs");
      add_rate_headers(r, rate);
      return r;
    }
  }
  if (endpoint.checks_credentials) return call_checking_credentials(endpoint, request, query, params, path, info);
  if (endpoint.lane == Lane::kBackground && info.may_defer) {
    info.deferred = true;
    info.admitted = RequestInfo::Admitted{std::move(caller), rate};
    return Reply{};
  }
  LimitingTokens tokens(auth_, limiter_, metrics_, info.client);
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

// The same reader as every other JSON body (wire::parse_json), so duplicate keys, depth and
// member limits are refused here too: `{"key":"a","secret":"s","key":"b"}` must not pick one.
Reply generate_token(Auth& auth, RequestContext& ctx) {
  Result<wire::dom::element> doc = wire::parse_json(ctx.request.body());
  if (!doc.ok()) return capillary_error(doc.status());
  wire::dom::object object;
  if (Status s = wire::read_object(*doc, "body", object); !s.ok()) return capillary_error(s);
  wire::Fields fields(object);
  const auto key = fields.string("key", wire::Need::kRequired, kTokenFieldBytesMax);
  const auto secret = fields.string("secret", wire::Need::kRequired, kTokenFieldBytesMax);
  if (!fields.ok()) return capillary_error(fields.status());
  const auto token = auth.generate_token(*key, *secret);
  if (!token) return capillary_error(http::status::unauthorized, 401, "invalid API key or secret");
  std::string out = R"({"data":{"accessToken":")";
  out += token->access_token;  // hex: no escaping needed
  out += R"(","tokenType":"Bearer","expiresIn":)";
  out += std::to_string(token->expires_in_s);
  out += "}}";
  Reply r = json_reply(http::status::ok, std::move(out));
  r.headers.emplace_back("Cache-Control", "no-store");
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
  const bool ok = ready.load(std::memory_order_acquire) && (!probe || probe->ready()) &&
                  (!probe || !probe->storage_failure());
  if (ok) return json_reply(http::status::ok, R"({"status":"ready"})");
  return json_reply(http::status::service_unavailable, R"({"status":"not ready"})");
}

}  // namespace

std::vector<Endpoint> builtin_endpoints(Auth& auth, const HealthProbe* probe,
                                        const std::atomic<bool>& ready) {
  std::vector<Endpoint> out;
  out.push_back(Endpoint{http::verb::post, "/v3/oauth/token/generate",
                         [&auth](RequestContext& ctx) { return generate_token(auth, ctx); },
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
