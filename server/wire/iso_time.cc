#include "server/wire/iso_time.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <map>
#include <stdexcept>

namespace codeledger::server::wire {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Two digits, zero padded; `v` is in [0, 99].
inline void put2(char* p, long v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

struct CachedZone {
  bool known = false;
  const date::time_zone* zone = nullptr;
};

// Per thread, so lookups never contend; the set of organisations' zones is small.
CachedZone lookup_cached(std::string_view iana) {
  thread_local std::map<std::string, CachedZone, std::less<>> cache;
  if (auto it = cache.find(iana); it != cache.end()) return it->second;
  CachedZone found;
  if (iana == "UTC" || iana == "Etc/UTC") {
    found.known = true;  // zone stays nullptr: the UTC fast path
  } else {
    try {
      found.zone = date::locate_zone(iana);
      found.known = true;
    } catch (const std::runtime_error&) {
      found.known = false;  // unknown name; remembered so it is not looked up again
    }
  }
  cache.emplace(std::string(iana), found);
  return found;
}

}  // namespace

std::optional<IsoZone> IsoZone::find(std::string_view iana) {
  const CachedZone c = lookup_cached(iana);
  if (!c.known) return std::nullopt;
  return IsoZone(c.zone);
}

IsoZone IsoZone::find_or_utc(std::string_view iana) {
  return find(iana).value_or(IsoZone());
}

namespace {

// The zone's offset at `utc`. time_zone::get_info searches the zone's transitions on every
// call; the interval its last answer holds for is kept per thread, and an answer's
// timestamps (and the next answer's) mostly fall in the same one.
seconds offset_at(const date::time_zone* zone, date::sys_seconds utc) {
  struct Interval {
    const date::time_zone* zone = nullptr;
    date::sys_seconds begin, end;
    seconds offset{0};
  };
  thread_local Interval last;
  if (last.zone != zone || utc < last.begin || utc >= last.end) {
    const date::sys_info info = zone->get_info(utc);
    last = {zone, info.begin, info.end, info.offset};
  }
  return last.offset;
}

// "YYYY-MM-DD" of a local day, the last one kept per thread (same reason as offset_at).
void put_date(char* out, date::days day) {
  struct Day {
    date::days day{std::numeric_limits<date::days::rep>::min()};  // never a clamped day
    char text[10];
  };
  thread_local Day last;
  if (last.day != day) {
    const date::year_month_day ymd(date::sys_days{day});
    const int year = static_cast<int>(ymd.year());
    put2(last.text, year / 100);
    put2(last.text + 2, year % 100);
    last.text[4] = '-';
    put2(last.text + 5, static_cast<unsigned>(ymd.month()));
    last.text[7] = '-';
    put2(last.text + 8, static_cast<unsigned>(ymd.day()));
    last.day = day;
  }
  std::memcpy(out, last.text, sizeof last.text);
}

}  // namespace

char* IsoZone::write(char* out, ledger::TimeMs ms) const {
  ms = std::clamp(ms, kIsoTimeMinMs, kIsoTimeMaxMs);
  const auto utc = date::floor<seconds>(date::sys_time<milliseconds>(milliseconds(ms)));
  const seconds offset = zone_ == nullptr ? seconds{0} : offset_at(zone_, utc);
  const auto local = utc + offset;
  const auto day = date::floor<date::days>(local);
  const long tod = (local - day).count();
  put_date(out, day.time_since_epoch());
  out[10] = 'T';
  put2(out + 11, tod / 3600);
  out[13] = ':';
  put2(out + 14, tod / 60 % 60);
  out[16] = ':';
  put2(out + 17, tod % 60);
  char* p = out + 19;
  const long off = offset.count();
  if (off == 0) {
    *p++ = 'Z';
    return p;
  }
  const long mag = off < 0 ? -off : off;
  *p++ = off < 0 ? '-' : '+';
  put2(p, mag / 3600);
  p[2] = ':';
  put2(p + 3, mag / 60 % 60);
  return p + 5;
}

std::string IsoZone::format(ledger::TimeMs ms) const {
  char buf[kTextBytesMax];
  return std::string(buf, write(buf, ms));
}

}  // namespace codeledger::server::wire
