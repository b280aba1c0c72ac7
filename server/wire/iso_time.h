// ISO-8601 timestamps for the Capillary `*ISO` fields: epoch milliseconds shown in the
// organisation's IANA time zone at seconds precision, `Z` when the offset is zero
// (`2025-11-11T06:05:49Z`), `+05:30` style otherwise (`2026-02-04T14:23:21+05:30`).
// Milliseconds are truncated, as the seeds show.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ledger/types.h"

namespace date {
class time_zone;
}

namespace codeledger::server::wire {

// The instants every answer can show with a 4-digit year (write() clamps to them, and
// requests accept times up to kIsoTimeMaxMs). They stop a day short of years 0000..9999
// because the text is local time: zone offsets are under 24 hours (tz database zones span
// -12:00..+14:00, local mean times before 1900 about +-16 h; configuration takes IANA names
// only), so 9999-12-31T23:59:59.999Z itself would be year 10000 in Asia/Kolkata.
inline constexpr ledger::TimeMs kIsoTimeMinMs = -62'167'132'800'000;  // 0000-01-02T00:00:00Z
inline constexpr ledger::TimeMs kIsoTimeMaxMs = 253'402'214'399'999;  // 9999-12-30T23:59:59.999Z

class IsoZone {
 public:
  IsoZone() = default;  // UTC

  // The zone named `iana` ("UTC", "Asia/Kolkata"), or nullopt when the system's tz database
  // does not know it. Lookups are cached per thread, so the hot path takes no lock.
  static std::optional<IsoZone> find(std::string_view iana);
  // find(), falling back to UTC for unknown names (configuration is validated at start).
  static IsoZone find_or_utc(std::string_view iana);

  // "YYYY-MM-DDTHH:MM:SS+HH:MM", the longest text write() puts out.
  static constexpr std::size_t kTextBytesMax = 25;
  // Writes the text at `out` (kTextBytesMax bytes free) and returns its end.
  char* write(char* out, ledger::TimeMs ms) const;
  std::string format(ledger::TimeMs ms) const;
  bool is_utc() const { return zone_ == nullptr; }

 private:
  explicit IsoZone(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_ = nullptr;  // nullptr = UTC: no offset lookup at all
};

}  // namespace codeledger::server::wire
