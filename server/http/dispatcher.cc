#include "server/http/dispatcher.h"

#include <simdjson.h>

#include <exception>

#include "server/http/errors.h"

namespace codeledger::server {
namespace {

Reply with_header(Reply reply, std::string name, std::string value) {
  reply.headers.emplace_back(std::move(name), std::move(value));
  return reply;
}

bool is_altcraft(std::string_view path) { return path.starts_with("/api/v1.1/"); }

}  // namespace

Dispatcher::Dispatcher(ledger::Ledger& ledger, Auth& auth, Router router, Clock clock)
    : ledger_(ledger), auth_(auth), router_(std::move(router)), clock_(std::move(clock)) {}

Reply Dispatcher::handle(const HttpRequest& request) const {
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
  try {
    return call(*match.endpoint, request, target.path, query, params);
  } catch (const std::exception&) {
    // Handlers report errors as values; an exception here is a bug or bad_alloc. The
    // connection survives, the client gets a 500 rather than a reset.
    return envelope_error(target.path, http::status::internal_server_error, "internal error");
  }
}

Reply Dispatcher::call(const Endpoint& endpoint, const HttpRequest& request, std::string_view path,
                       const QueryParams& query, const PathParams& params) const {
  Caller caller;
  const auto authorization = request[http::field::authorization];
  // Altcraft clients put the token in the body; their handler resolves it (handler.h).
  const bool deferred = is_altcraft(path) && authorization.empty();
  if (endpoint.access == Access::kScoped && !deferred) {
    AuthResult auth = auth_.authenticate(authorization);
    if (!auth.caller) {
      return with_header(envelope_error(path, http::status::unauthorized, auth.error),
                         "WWW-Authenticate", "Basic realm=\"codeledger\"");
    }
    caller = std::move(*auth.caller);
    if (!caller.has(endpoint.scope)) {
      return envelope_error(path, http::status::forbidden,
                            "API key '" + caller.key_name + "' lacks the scope this endpoint needs");
    }
  }
  RequestContext ctx{request, caller, query, params, ledger_, clock_(), &auth_};
  return endpoint.call(ctx);
}

namespace {

Reply json_reply(http::status status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply generate_token(Auth& auth, RequestContext& ctx) {
  thread_local simdjson::dom::parser parser;
  const std::string& body = ctx.request.body();
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return capillary_error(http::status::bad_request, 400, "body must be JSON {\"key\", \"secret\"}");
  }
  std::string_view key, secret;
  if (doc["key"].get_string().get(key) != simdjson::SUCCESS) {
    return capillary_error(http::status::bad_request, 400, "field 'key': required string");
  }
  if (doc["secret"].get_string().get(secret) != simdjson::SUCCESS) {
    return capillary_error(http::status::bad_request, 400, "field 'secret': required string");
  }
  const auto token = auth.generate_token(key, secret);
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
      append_json_string(body, *failure);
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
                         Scope::kRead, Access::kPublic});
  out.push_back(Endpoint{http::verb::get, "/healthz",
                         [probe](RequestContext&) { return healthz(probe); }, Scope::kRead,
                         Access::kPublic});
  out.push_back(Endpoint{http::verb::get, "/readyz",
                         [probe, &ready](RequestContext&) { return readyz(probe, ready); },
                         Scope::kRead, Access::kPublic});
  return out;
}

}  // namespace codeledger::server
