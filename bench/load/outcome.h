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
  kTransport,         // connect, read or write failed
};
inline constexpr int kOutcomeCount = 8;
std::string_view outcome_name(Outcome o);

}  // namespace codeledger::bench
