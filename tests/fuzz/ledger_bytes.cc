// The ledger's two byte formats that come back from disk: an event (a WAL record's payload,
// applied at recovery and by `ledgerctl replay`) and a snapshot. A record's crc guards
// against torn writes, not against a file written by a buggy or hostile hand, so both
// decoders must refuse any bytes cleanly.
//
// event_replay: decode the input as an event; a decoded event re-encodes canonically (decode
// of its encoding gives the same encoding); applied, after the demo's own events, as the
// next LSN, it either changes the ledger or is refused with the state hash unchanged.
//
// snapshot_decode: decode the input into an empty ledger; a snapshot that decodes re-encodes
// into bytes that decode into the same state hash.
#include <string>
#include <string_view>

#include "ledger/events.h"
#include "ledger/ledger.h"
#include "tests/fuzz/demo_world.h"
#include "tests/fuzz/fuzz_targets.h"

namespace codeledger::fuzz {
namespace {

std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The demo's events, decoded once: every event_replay input is applied on top of them.
const std::vector<ledger::Event>& demo_history() {
  static const std::vector<ledger::Event> history = [] {
    std::vector<ledger::Event> out;
    for (const std::string& bytes : demo_events()) {
      auto e = ledger::decode_event(bytes);
      CL_FUZZ_CHECK(e.ok(), "a demo event does not decode");
      out.push_back(std::move(*e));
    }
    return out;
  }();
  return history;
}

}  // namespace

int event_replay(const std::uint8_t* data, std::size_t size) {
  auto decoded = ledger::decode_event(as_view(data, size));
  if (!decoded.ok()) return 0;
  std::string once, twice;
  ledger::encode_event(*decoded, once);
  auto again = ledger::decode_event(once);
  CL_FUZZ_CHECK(again.ok(), "an encoded event does not decode");
  ledger::encode_event(*again, twice);
  CL_FUZZ_CHECK(once == twice, "an event's encoding is not canonical");

  ledger::Ledger l(fuzz_ledger_options());
  CL_FUZZ_CHECK(configure_demo_orgs(l).ok(), "demo organisations");
  for (const ledger::Event& e : demo_history()) CL_FUZZ_CHECK(l.apply(e).ok(), "a demo event does not apply");
  ledger::Event event = std::move(*decoded);
  event.header.lsn = l.last_lsn() + 1;
  const std::uint64_t before = l.state_hash();
  if (!l.apply(event).ok()) CL_FUZZ_CHECK(l.state_hash() == before, "a refused event changed the ledger");
  return 0;
}

std::vector<std::string> event_replay_seeds() { return demo_events(); }

int snapshot_decode(const std::uint8_t* data, std::size_t size) {
  ledger::Ledger l(fuzz_ledger_options());
  if (!l.decode_snapshot(as_view(data, size)).ok()) return 0;
  std::string bytes;
  l.encode_snapshot(bytes);
  ledger::Ledger copy(fuzz_ledger_options());
  CL_FUZZ_CHECK(copy.decode_snapshot(bytes).ok(), "a re-encoded snapshot does not decode");
  CL_FUZZ_CHECK(copy.state_hash() == l.state_hash(), "a snapshot's round trip changed the state");
  return 0;
}

std::vector<std::string> snapshot_decode_seeds() {
  DemoWorld w;
  run_seed_story(w);
  std::string bytes;
  w.ledger.encode_snapshot(bytes);
  ledger::Ledger empty(fuzz_ledger_options());
  std::string empty_bytes;
  empty.encode_snapshot(empty_bytes);
  return {bytes, empty_bytes};
}

}  // namespace codeledger::fuzz
