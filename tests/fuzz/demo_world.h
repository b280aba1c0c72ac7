// What the fuzz targets run against: the embedded demo (server/capillary/demo.h) in a fresh
// ledger, with the Dispatcher codeledgerd builds over both dialects' routes and its own
// endpoints (no rate limits, no metrics, a fixed clock). Built anew for every input, so a
// finding replays from its input alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/events.h"
#include "ledger/ledger.h"
#include "server/capillary/demo.h"
#include "server/http/auth.h"
#include "server/http/dispatcher.h"

namespace codeledger::fuzz {

inline constexpr ledger::TimeMs kNow = 1762841149535;

// The world is built anew for every input, so what it costs bounds the fuzzer's speed. Two
// shards instead of 64: a fresh ledger zeroes memory per shard, and with 64 that was most of
// each input's time (13 ms under the sanitizers); two still cross shard boundaries. 64
// promotions per organisation instead of 4 096: each organisation's promotion table is
// zeroed too, and a few creates now reach the limit's 413.
inline ledger::LedgerOptions fuzz_ledger_options() {
  ledger::LedgerOptions o;
  o.shard_count = 2;
  o.limits.promotions_per_org_max = 64;
  return o;
}

// Codes generated into each demo promotion beside kDemoCode: generating the demo's 300 took
// a sixth of each input's time, and 16 serve every request shape as well.
inline constexpr std::size_t kFuzzDemoGeneratedCodes = 16;

// Keeps every staged event, encoded, numbering them as the log would.
class RecordingSink final : public ledger::EventSink {
 public:
  Status stage(ledger::Event& event) override;
  const std::vector<std::string>& events() const { return events_; }

 private:
  std::vector<std::string> events_;
};

// A second organisation beside the demo's, with no API key: the requests (all made with the
// demo key, or none) must never read or change it. Its extra code and its code-linked
// promotion's new name carry kOtherOrgMarker, so a write to either shows in OtherOrgState.
inline constexpr ledger::OrgId kOtherOrgId = 100458;
inline constexpr std::string_view kOtherOrgMarker = "ORGBSECRET";

// What a request could change in the other organisation, compared before and after it.
struct OtherOrgState {
  ledger::OrgStats stats;
  ledger::CustomerId code_customer = 0;
  std::uint32_t code_redemptions = 0;
  std::string promotion_name;
  bool promotion_active = false;
  bool operator==(const OtherOrgState& o) const {
    return stats.codes == o.stats.codes && stats.customers == o.stats.customers &&
           stats.promotions == o.stats.promotions && stats.redemptions == o.stats.redemptions &&
           code_customer == o.code_customer && code_redemptions == o.code_redemptions &&
           promotion_name == o.promotion_name && promotion_active == o.promotion_active;
  }
};

struct DemoWorld {
  explicit DemoWorld(ledger::EventSink* sink = nullptr);
  OtherOrgState other_org_state();

  ledger::Ledger ledger;
  server::capillary::DemoIds ids;
  server::capillary::DemoIds other_ids;  // the same set-up in kOtherOrgId, marked
  server::Auth auth;
  server::Dispatcher dispatcher;
};

// Both organisations' settings, configured before replaying into an empty ledger
// (organisations come from configuration, not from events).
Status configure_demo_orgs(ledger::Ledger& ledger);

// Separates the requests of one http_dispatch input.
inline constexpr std::string_view kRequestSeparator{"\0\0\0\0", 4};
inline constexpr std::size_t kRequestsPerInputMax = 32;

// One http_dispatch input, up to kRequestsPerInputMax requests, against `w` in order (the
// format and the properties: http_dispatch.cc).
void http_dispatch_requests(DemoWorld& w, std::string_view input);
// Well-formed http_dispatch inputs: one per request kind, with the demo's ids, then all of
// them in one input (the story).
std::vector<std::string> http_seed_requests();
// Runs the story against `w`: every seed request in order, each finding what the earlier made.
void run_seed_story(DemoWorld& w);

// The events of the demo set-up followed by the http_dispatch seeds' requests, encoded: the
// seeds of the event and snapshot targets.
std::vector<std::string> demo_events();

}  // namespace codeledger::fuzz
