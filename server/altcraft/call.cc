#include "server/altcraft/call.h"


namespace codeledger::server::altcraft {

namespace {

constexpr std::size_t kTokenBytesMax = 512;
constexpr std::size_t kMatchingBytesMax = 32;

Status bad(std::string message) { return Status(ErrorCode::kInvalidRequest, std::move(message)); }
Status not_found(std::string message) { return Status(ErrorCode::kNotFound, std::move(message)); }

std::optional<Format> parse_format(std::string_view text) {
  if (text == "json" || text == "JSON") return Format::kJson;
  if (text == "xml" || text == "XML") return Format::kXml;
  return std::nullopt;
}

// "Bearer <token>" (scheme case-insensitive), or empty.
std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kScheme[i]) return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

}  // namespace

std::optional<Reply> Call::open(Scope scope) {
  // The answer format is known before the body is read only from the query string
  // (Altcraft lets `format` travel in the URL); a body that cannot be read is answered in it.
  const std::string* query_format = nullptr;
  if (Status s = read_query_format(query_format); !s.ok()) return fail(s);
  auto parsed = Params::parse(ctx_.request.body());
  if (!parsed.ok()) return fail(parsed.status());
  params_ = std::move(*parsed);
  if (Status s = read_format(query_format); !s.ok()) return fail(s);
  return authenticate(scope);
}

// `format` in the query string, given at most once: a repeated one is refused rather than
// read by its first value, which a proxy in front may have read otherwise (the Capillary
// dialect's rule for every query parameter, docs/api.md Conventions). The refusal is
// answered in JSON: which format was asked is unknown.
Status Call::read_query_format(const std::string*& out) {
  out = ctx_.query.find("format");
  if (out == nullptr) return Status::Ok();
  if (ctx_.query.count("format") > 1) {
    return bad("format is given more than once in the query string");
  }
  format_ = parse_format(*out).value_or(Format::kJson);
  return Status::Ok();
}

// The body's `format`, or the query's. Given in both with different values, it is refused:
// which of two places wins is a rule a client would have to guess. The same value in both is
// one answer to one question, and served. The refusal is answered in the query's format, as
// a body that cannot be read is.
Status Call::read_format(const std::string* query_format) {
  std::optional<std::string_view> text = params_.text("format", Need::kOptional, 16);
  if (!params_.ok()) return params_.status();
  if (!text && query_format == nullptr) return Status::Ok();
  const auto f = parse_format(text ? *text : std::string_view(*query_format));
  if (!f) return bad("format must be json or xml");
  if (text && query_format != nullptr && parse_format(*query_format) != f) {
    return bad("format is given in the body and in the query string with different values");
  }
  format_ = *f;
  return Status::Ok();
}

std::optional<Reply> Call::authenticate(Scope scope) {
  if (ctx_.caller.org != 0) {
    caller_ = ctx_.caller;  // the HTTP layer authenticated an Authorization header
  } else {
    std::optional<std::string_view> token = params_.text("token", Need::kOptional, kTokenBytesMax);
    if (!params_.ok()) return fail(params_.status());
    if (!token) {
      const std::string_view from_header =
          bearer_token(field_value(ctx_.request, http::field::authorization));
      if (!from_header.empty()) token = from_header;
    }
    if (ctx_.tokens == nullptr) {  // a wiring fault of the server, not the client's
      return error_reply(format_, static_cast<int>(ErrorCode::kInternal),
                         "token authentication is not available", http::status::internal_server_error);
    }
    // A missing token goes through the authority too, as an empty one that never matches: it
    // is a failed authentication, counted and limited per client address like a wrong one
    // (probe 33 sent any number of anonymous bodies, never refused).
    const std::optional<Caller> found = ctx_.tokens->authenticate_token(token.value_or(""));
    if (!found) {
      return error_reply(format_, kTokenRequired,
                         token ? "API token is invalid or expired" : "API token required",
                         http::status::unauthorized);
    }
    caller_ = *found;
  }
  if (!caller_.has(scope)) {
    return error_reply(format_, kForbidden, lacks_scope_message(caller_.key_name, scope),
                       http::status::forbidden);
  }
  op_.org = caller_.org;
  op_.api_key = caller_.key_name;
  op_.now_ms = ctx_.now_ms;
  op_.dialect = ledger::Dialect::kAltcraft;
  return std::nullopt;
}

Reply Call::ok(const Value& data, const Extras& extras) const {
  Reply reply = success(format_, data, extras);
  reply.await_lsn = op_.visible_lsn;
  return reply;
}

Reply Call::fail(const Status& status) const {
  Reply reply = error_reply(format_, status);
  reply.await_lsn = op_.visible_lsn;
  return reply;
}

std::string Call::rfc3339(ledger::TimeMs ms) const {
  if (!zone_) {
    const auto settings = ctx_.ledger.org_settings(op_.org);
    zone_ = settings ? wire::IsoZone::find_or_utc(settings->time_zone) : wire::IsoZone();
  }
  return zone_->format(ms);
}

Status check_database(Call& call) {
  const auto db = call.params().integer("db_id", Need::kRequired, 1, INT64_MAX);
  if (!call.params().ok()) return call.params().status();
  if (*db != kDefaultDatabaseId) return not_found("database " + std::to_string(*db) + " not found");
  return Status::Ok();
}

Result<Program> loyalty_program(Call& call) {
  // Promotion numbers count from 1 and are 32-bit (ledger/events.h): a number outside that
  // range names no program of any organisation, so it is a bad field, not a 404.
  const auto id = call.params().integer("loyalty_id", Need::kRequired, 1, UINT32_MAX);
  if (!call.params().ok()) return call.params().status();
  const auto number = static_cast<std::uint32_t>(*id);
  const std::string name = "loyalty program " + std::to_string(number);
  auto view = call.ledger().get_promotion_by_number(call.op(), number);
  if (!view.ok()) {
    if (view.status().code() == ErrorCode::kNotFound) return not_found(name + " not found");
    return view.status();
  }
  if (view->spec.kind != ledger::PromotionKind::kCodeLinked) {
    return Status(ErrorCode::kPromotionTypeNotSupported,
                  name + " is an issuable promotion: it holds no promo codes");
  }
  return Program{std::move(*view), number};
}

Result<ledger::CustomerId> match_profile(Call& call) {
  Params& p = call.params();
  const std::size_t bytes_max = call.ledger().options().limits.identifier_bytes_max;
  const std::string_view mode = p.text("matching", Need::kOptional, kMatchingBytesMax)
                                    .value_or("profile_id");
  if (!p.ok()) return p.status();
  ledger::CustomerMatch m;
  std::string described;
  if (mode == "profile_id" || mode == "email" || mode == "phone") {
    m.by = mode == "profile_id" ? ledger::MatchBy::kExternalId
           : mode == "email"    ? ledger::MatchBy::kEmail
                                : ledger::MatchBy::kPhone;
    const auto value = p.text(mode, Need::kRequired, bytes_max);
    if (!p.ok()) return p.status();
    m.value = std::string(*value);
    described = std::string(mode) + " '" + m.value + "'";
  } else if (mode == "custom") {
    m.by = ledger::MatchBy::kCustomField;
    const auto name = p.text("field_name", Need::kRequired, bytes_max);
    const auto value = p.text("field_value", Need::kRequired, bytes_max);
    if (!p.ok()) return p.status();
    m.field_name = std::string(*name);
    m.value = std::string(*value);
    described = "field " + m.field_name + " = '" + m.value + "'";
  } else {
    return bad("matching must be one of profile_id, email, phone, custom");
  }
  auto found = call.ledger().find_customer(call.op(), m);
  if (!found.ok()) {
    if (found.status().code() == ErrorCode::kNotFound) {
      return not_found("no profile with " + described + " in database " +
                       std::to_string(kDefaultDatabaseId));
    }
    return found.status();
  }
  return found->id;
}

Result<std::optional<std::string>> code_param(Call& call, Need need) {
  const auto text = call.params().text("code", need, kCodeTextBytesMax);
  if (!call.params().ok()) return call.params().status();
  if (!text) return std::optional<std::string>();
  auto key = ledger::CodeKey::make(*text);
  if (!key.ok()) return key.status();
  return std::optional<std::string>(std::string(*text));
}

namespace {

const ledger::CodeView& view_of(const ledger::CodeView& v) { return v; }
const ledger::CodeView& view_of(const ledger::CodeUses& u) { return u.code; }

// `found`, unless the code is missing from the program (or is another program's): 404.
template <class Found>
Result<Found> within_program(Result<Found> found, const Program& program, const std::string& code) {
  const bool missing = !found.ok() && found.status().code() == ErrorCode::kInvalidCode;
  if (missing || (found.ok() && !(view_of(*found).promotion_id == program.view.id))) {
    return not_found("promo code '" + code + "' not found in loyalty program " +
                     std::to_string(program.number));
  }
  return found;
}

}  // namespace

Result<ledger::CodeView> code_in_program(Call& call, const Program& program,
                                         const std::string& code) {
  return within_program(call.ledger().get_code(call.op(), program.view.spec.mode, code, false),
                        program, code);
}

Result<ledger::CodeUses> code_uses_in_program(Call& call, const Program& program,
                                              const std::string& code) {
  return within_program(call.ledger().get_code_uses(call.op(), program.view.spec.mode, code),
                        program, code);
}

}  // namespace codeledger::server::altcraft
