// Turns one answer (HTTP status + Capillary envelope, or a RESP reply from the Lua scripts)
// into an outcome class, and says which classes a scenario expects for an operation: a
// second redeem of a used-up code answering 1004 is the point of hot-code, not an error.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string_view>

#include "bench/load/api.h"
#include "bench/load/options.h"
#include "bench/load/outcome.h"
#include "bench/load/resp.h"

namespace codeledger::bench {

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
