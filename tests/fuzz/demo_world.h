// What the fuzz targets run against: the embedded demo (server/capillary/demo.h) in a fresh
// ledger, with the Dispatcher codeledgerd builds over both dialects' routes and its own
// endpoints (no rate limits, no metrics, a fixed clock). Built anew for every input, so a
// finding replays from its input alone.
#pragma once

#include <cstdint>
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

// Two shards instead of 64: a fresh ledger zeroes memory per shard, and with 64 that was most
// of each input's time (13 ms under the sanitizers). Two still cross shard boundaries.
inline ledger::LedgerOptions fuzz_ledger_options() {
  ledger::LedgerOptions o;
  o.shard_count = 2;
  return o;
}

// Keeps every staged event, encoded, numbering them as the log would.
class RecordingSink final : public ledger::EventSink {
 public:
  Status stage(ledger::Event& event) override;
  const std::vector<std::string>& events() const { return events_; }

 private:
  std::vector<std::string> events_;
};

struct DemoWorld {
  explicit DemoWorld(ledger::EventSink* sink = nullptr);

  ledger::Ledger ledger;
  server::capillary::DemoIds ids;
  server::Auth auth;
  server::Dispatcher dispatcher;
};

// The demo organisation's settings, configured before replaying into an empty ledger
// (organisations come from configuration, not from events).
Status configure_demo_org(ledger::Ledger& ledger);

// Separates the requests of one http_dispatch input.
inline constexpr std::string_view kRequestSeparator{"\0\0\0\0", 4};
inline constexpr std::size_t kRequestsPerInputMax = 32;

// One http_dispatch input, up to kRequestsPerInputMax requests, against `w` in order (the
// format and the properties: http_dispatch.cc).
void http_dispatch_requests(DemoWorld& w, std::string_view input);
// Well-formed http_dispatch inputs: one per request kind, with the demo's ids, then all of
// them in one input.
std::vector<std::string> http_seed_requests();

// The events of the demo set-up followed by the http_dispatch seeds' requests, encoded: the
// seeds of the event and snapshot targets.
std::vector<std::string> demo_events();

}  // namespace codeledger::fuzz
