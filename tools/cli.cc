#include "tools/cli.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace codeledger::tools {

namespace {

// "keys list does not take --name; it takes --config": the refusal says what would work.
CliError flag_not_taken(std::string_view command, std::string_view flag,
                        const std::set<std::string_view>& value_flags,
                        const std::set<std::string_view>& bool_flags) {
  std::set<std::string_view> taken = value_flags;
  taken.insert(bool_flags.begin(), bool_flags.end());
  std::string list;
  for (std::string_view f : taken) list += (list.empty() ? "--" : ", --") + std::string(f);
  return CliError::usage(std::string(command) + " does not take --" + std::string(flag) +
                         "; it takes " + list);
}

}  // namespace

Args::Args(std::string_view command, std::vector<std::string_view> words,
           const std::set<std::string_view>& value_flags,
           const std::set<std::string_view>& bool_flags) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i];
    if (w.size() < 3 || w.substr(0, 2) != "--") {
      positional_.emplace_back(w);
      continue;
    }
    std::string_view name = w.substr(2);
    std::optional<std::string_view> inline_value;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    // Last-one-wins would silently drop a value (`--code A --code B` shows only B).
    if (values_.count(std::string(name))) {
      throw CliError::usage("--" + std::string(name) + " given more than once");
    }
    if (bool_flags.count(name)) {
      if (inline_value) throw CliError::usage("--" + std::string(name) + " takes no value");
      values_[std::string(name)] = "";
    } else if (value_flags.count(name)) {
      if (!inline_value && i + 1 >= words.size()) {
        throw CliError::usage("--" + std::string(name) + " needs a value");
      }
      values_[std::string(name)] = std::string(inline_value ? *inline_value : words[++i]);
    } else {
      throw flag_not_taken(command, name, value_flags, bool_flags);
    }
  }
}

std::optional<std::string> Args::get(std::string_view flag) const {
  auto it = values_.find(std::string(flag));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::get_or(std::string_view flag, std::string fallback) const {
  auto v = get(flag);
  return v ? *v : std::move(fallback);
}

std::optional<std::uint64_t> Args::get_u64(std::string_view flag) const {
  auto v = get(flag);
  if (!v) return std::nullopt;
  return parse_u64(*v, "--" + std::string(flag));
}

const std::string& Args::single_positional(std::string_view what) const {
  if (positional_.size() != 1) throw CliError::usage("expected exactly one " + std::string(what));
  return positional_.front();
}

std::uint64_t parse_u64(std::string_view text, std::string_view what) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    throw CliError(std::string(what) + ": expected a non-negative integer, got '" +
                   std::string(text) + "'");
  }
  return v;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Reads exactly n digits at text[pos]; advances pos.
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Rejects 2023-02-31 instead of letting days_from_civil roll it into March.
bool valid_date(std::int64_t y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= kDays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
}

// ISO 8601 allows any number of fraction digits; this reads 1..9 (down to nanoseconds) and
// keeps milliseconds, the resolution of event times. Truncating, not rounding, keeps a time
// from moving past an event: --until 14:03:00.9999 still includes an event at 14:03:00.999.
constexpr std::size_t kFractionDigitsMax = 9;
constexpr std::size_t kMillisecondDigits = 3;

std::optional<int> fraction_ms(std::string_view text, std::size_t& pos) {
  const std::size_t end = std::min(text.find_first_not_of("0123456789", pos), text.size());
  const std::size_t count = end - pos;
  if (count == 0 || count > kFractionDigitsMax) return std::nullopt;
  const std::size_t kept = std::min(count, kMillisecondDigits);
  int ms = *digits(text, pos, kept);
  for (std::size_t i = kept; i < kMillisecondDigits; ++i) ms *= 10;  // ".5" is 500 ms
  pos = end;
  return ms;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

// The zone suffix: "Z", "+HH:MM" or "-HH:MM"; offset in ms to subtract from local time.
std::optional<std::int64_t> zone_offset_ms(std::string_view text, std::size_t pos) {
  if (pos < text.size() && text[pos] == 'Z' && pos + 1 == text.size()) return 0;
  if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
  const int sign = text[pos++] == '+' ? 1 : -1;
  auto hh = digits(text, pos, 2);
  if (!hh || !expect(text, pos, ':')) return std::nullopt;
  auto mm = digits(text, pos, 2);
  if (!mm || pos != text.size() || *hh > 23 || *mm > 59) return std::nullopt;
  return sign * (*hh * 3'600'000LL + *mm * 60'000LL);
}

}  // namespace

std::optional<std::int64_t> parse_iso_time(std::string_view text) {
  std::size_t pos = 0;
  auto y = digits(text, pos, 4);
  if (!y || !expect(text, pos, '-')) return std::nullopt;
  auto mo = digits(text, pos, 2);
  if (!mo || !expect(text, pos, '-')) return std::nullopt;
  auto d = digits(text, pos, 2);
  if (!d || !valid_date(*y, *mo, *d)) return std::nullopt;
  const std::int64_t day_ms = days_from_civil(*y, *mo, *d) * 86'400'000LL;
  if (pos == text.size()) return day_ms;
  if (!expect(text, pos, 'T')) return std::nullopt;
  auto h = digits(text, pos, 2);
  if (!h || !expect(text, pos, ':')) return std::nullopt;
  auto mi = digits(text, pos, 2);
  if (!mi || !expect(text, pos, ':')) return std::nullopt;
  auto s = digits(text, pos, 2);
  if (!s || *h > 23 || *mi > 59 || *s > 60) return std::nullopt;
  std::int64_t ms = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    auto frac = fraction_ms(text, pos);
    if (!frac) return std::nullopt;
    ms = *frac;
  }
  auto offset = zone_offset_ms(text, pos);
  if (!offset) return std::nullopt;
  return day_ms + *h * 3'600'000LL + *mi * 60'000LL + *s * 1000LL + ms - *offset;
}

std::int64_t parse_iso_time_or_throw(std::string_view text, std::string_view what) {
  auto t = parse_iso_time(text);
  if (!t) {
    throw CliError(std::string(what) + ": expected an ISO time like 2024-05-01T14:03:00Z, got '" +
                   std::string(text) + "'");
  }
  return *t;
}

std::string format_iso_time(std::int64_t ms) {
  if (ms == 0) return "-";
  std::int64_t secs = ms / 1000, rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[80];  // room for any int fields: GCC -O3 checks the worst case
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(rem));
  return buf;
}

void progress_line(const std::string& line) {
  std::fprintf(stderr, "ledgerctl: %s\n", line.c_str());  // one call: lines do not interleave
}

Progress::Progress(std::string what) : what_(std::move(what)) {}

void Progress::tick(std::uint64_t lsn, std::size_t bytes) {
  ++records_;
  // Reading the clock per record would cost more than the rest of a dump line.
  bytes_unchecked_ += bytes;
  if (++records_unchecked_ < 4096 && bytes_unchecked_ < (1u << 20)) return;
  records_unchecked_ = 0;
  bytes_unchecked_ = 0;
  const auto now = Clock::now();
  const bool second_passed = now - last_print_ >= std::chrono::seconds(1);
  const bool million_more = records_ - last_printed_records_ >= 1'000'000;
  if (now - started_ < std::chrono::seconds(1) || !(second_passed || million_more)) return;
  const auto elapsed = std::chrono::duration<double>(now - started_).count();
  std::fprintf(stderr, "ledgerctl: %s: %llu records, lsn %llu, %.1f s\n", what_.c_str(),
               static_cast<unsigned long long>(records_), static_cast<unsigned long long>(lsn),
               elapsed);
  last_print_ = now;
  last_printed_records_ = records_;
}

}  // namespace codeledger::tools
