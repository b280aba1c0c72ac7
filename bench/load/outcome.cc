#include "bench/load/outcome.h"

namespace codeledger::bench {

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kAlreadyRedeemed: return "1004_already_redeemed";
    case Outcome::kLinkedElsewhere: return "1005_linked_elsewhere";
    case Outcome::kRejected: return "rejected_other";
    case Outcome::kRateLimited: return "429_rate_limited";
    case Outcome::kHttpError: return "http_error";
    case Outcome::kBadBody: return "bad_body";
    case Outcome::kTransport: return "transport_error";
    case Outcome::kUnanswered: return "unanswered";
  }
  return "?";
}

}  // namespace codeledger::bench
