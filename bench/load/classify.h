// Turns one answer (HTTP status + Capillary envelope, or a RESP reply from the Lua scripts)
// into an outcome class, and says which classes a scenario expects for an operation: a
// second redeem of a used-up code answering 1004 is the point of hot-code, not an error.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string_view>

#include "bench/load/api.h"
#include "bench/load/options.h"
#include "bench/load/resp.h"

namespace codeledger::bench {

enum class Outcome : std::uint8_t {
  kOk,
  kAlreadyRedeemed,   // 1004
  kLinkedElsewhere,   // 1005
  kRejected,          // any other documented domain code
  kRateLimited,       // HTTP 429: the API key's rate limit, not the operation, refused it
  kHttpError,         // status without a domain code (5xx, 404 page, ...)
  kBadBody,           // not the envelope / not a RESP integer
  kTransport,         // connect, read or write failed
};
inline constexpr int kOutcomeCount = 8;
std::string_view outcome_name(Outcome o);

struct Classified {
  Outcome outcome = Outcome::kOk;
  std::int64_t code = 0;  // domain error code when there is one
};

// `body` must have SIMDJSON_PADDING readable bytes after its end (the caller's buffer).
Classified classify_http(unsigned status, std::string_view body,
                         simdjson::ondemand::parser& parser);
Classified classify_redis(OpKind op, const resp::Reply& reply);

bool expected(Scenario scenario, OpKind op, Outcome outcome);

}  // namespace codeledger::bench
