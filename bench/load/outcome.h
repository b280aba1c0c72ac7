// The classes an answer falls into (classify.h sorts answers into them); Boost-free, so the
// reports and warnings name them from the same place.
#pragma once

#include <cstdint>
#include <string_view>

namespace codeledger::bench {

enum class Outcome : std::uint8_t {
  kOk,
  kAlreadyRedeemed,   // 1004
  kLinkedElsewhere,   // 1005
  kRejected,          // any other documented domain code
  kRateLimited,       // HTTP 429: the API key's rate limit, not the operation, refused it
  kHttpError,         // status without a domain code (5xx, 404 page, ...)
  kBadBody,           // not the envelope / not a RESP integer
  kTransport,         // read or write failed (a failed connect is no request: Report)
  kUnanswered,        // still waiting when the run gave up on it, at the end of its drain
};
inline constexpr int kOutcomeCount = 9;
std::string_view outcome_name(Outcome o);

}  // namespace codeledger::bench
