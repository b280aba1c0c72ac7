#include "server/wire/iso_time.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
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

void IsoZone::append(std::string& out, ledger::TimeMs ms) const {
  ms = std::clamp(ms, kIsoTimeMinMs, kIsoTimeMaxMs);
  const auto utc = date::floor<seconds>(date::sys_time<milliseconds>(milliseconds(ms)));
  seconds offset{0};
  if (zone_ != nullptr) offset = zone_->get_info(utc).offset;
  const auto local = utc + offset;
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd(day);
  const long tod = (local - day).count();

  char buf[25];  // "YYYY-MM-DDTHH:MM:SS+HH:MM"
  const int year = static_cast<int>(ymd.year());
  put2(buf, year / 100);
  put2(buf + 2, year % 100);
  buf[4] = '-';
  put2(buf + 5, static_cast<unsigned>(ymd.month()));
  buf[7] = '-';
  put2(buf + 8, static_cast<unsigned>(ymd.day()));
  buf[10] = 'T';
  put2(buf + 11, tod / 3600);
  buf[13] = ':';
  put2(buf + 14, tod / 60 % 60);
  buf[16] = ':';
  put2(buf + 17, tod % 60);
  std::size_t len = 19;
  const long off = offset.count();
  if (off == 0) {
    buf[len++] = 'Z';
  } else {
    const long mag = off < 0 ? -off : off;
    buf[len++] = off < 0 ? '-' : '+';
    put2(buf + len, mag / 3600);
    buf[len + 2] = ':';
    put2(buf + len + 3, mag / 60 % 60);
    len += 5;
  }
  out.append(buf, len);
}

std::string IsoZone::format(ledger::TimeMs ms) const {
  std::string out;
  append(out, ms);
  return out;
}

}  // namespace codeledger::server::wire
