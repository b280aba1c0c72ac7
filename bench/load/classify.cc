#include "bench/load/classify.h"

namespace codeledger::bench {
namespace {

constexpr std::int64_t kAlreadyRedeemedCode = 1004;
constexpr std::int64_t kLinkedElsewhereCode = 1005;
constexpr unsigned kTooManyRequests = 429;

Classified from_code(std::int64_t code) {
  if (code == kAlreadyRedeemedCode) return {Outcome::kAlreadyRedeemed, code};
  if (code == kLinkedElsewhereCode) return {Outcome::kLinkedElsewhere, code};
  return {Outcome::kRejected, code};
}

}  // namespace

Classified classify_http(unsigned status, std::string_view body,
                         simdjson::ondemand::parser& parser) {
  if (status == kTooManyRequests) return {Outcome::kRateLimited, kTooManyRequests};
  // A server error is one whatever its body says: a 500 carrying a 1004 envelope is not the
  // 1004 a scenario expects (probe 33).
  if (status >= 500) return {Outcome::kHttpError, status};
  simdjson::ondemand::document doc;
  simdjson::ondemand::object root;
  if (parser.iterate(body.data(), body.size(), body.size() + simdjson::SIMDJSON_PADDING).get(doc) ||
      doc.get_object().get(root)) {
    return {Outcome::kBadBody, 0};  // no envelope: a wrong answer
  }
  bool has_data = false;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return {Outcome::kBadBody, 0};
    if (key == "data") {
      has_data = true;
    } else if (key == "errors") {
      simdjson::ondemand::array errors;
      if (field.value().get_array().get(errors)) return {Outcome::kBadBody, 0};
      for (auto e : errors) {
        std::int64_t code = 0;
        if (e.find_field_unordered("code").get_int64().get(code)) return {Outcome::kBadBody, 0};
        return from_code(code);  // the first error names the outcome
      }
    }
  }
  if (status >= 200 && status < 300) return {has_data ? Outcome::kOk : Outcome::kBadBody, 0};
  return {Outcome::kHttpError, static_cast<std::int64_t>(status)};
}

Classified classify_redis(OpKind op, const resp::Reply& reply) {
  if (op == OpKind::kLookup) {
    // HGETALL of an unknown code is an empty array; a known one has left/used fields.
    if (reply.kind != resp::Kind::kArray) return {Outcome::kBadBody, 0};
    return reply.integer > 0 ? Classified{Outcome::kOk, 0} : from_code(1001);
  }
  if (reply.kind == resp::Kind::kError) return {Outcome::kHttpError, 0};
  if (reply.kind != resp::Kind::kInteger) return {Outcome::kBadBody, 0};
  if (reply.integer == 0) return {Outcome::kOk, 0};
  return from_code(reply.integer);
}

bool expected(Scenario scenario, OpKind op, Outcome outcome) {
  if (outcome == Outcome::kOk) return true;
  if (outcome != Outcome::kAlreadyRedeemed) return false;
  switch (scenario) {
    case Scenario::kPeakSale:  // Zipf repeats codes: later redeems and links meet a used code
      return op == OpKind::kRedeem || op == OpKind::kLink;
    case Scenario::kHotCode:   // racing redeems beyond the limit must lose
    case Scenario::kRedeem:    // a run longer than the code pool wraps around
      return op == OpKind::kRedeem;
    case Scenario::kLink:      // a run longer than the pool re-links; never a used code
    case Scenario::kLookup:
      return false;
  }
  return false;
}

}  // namespace codeledger::bench
