// Shared plumbing of ledgerctl's subcommands: exit codes, the flag parser, ISO time in and
// out, and the progress line long runs print to stderr.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace codeledger::tools {

// Exit codes: scripts tell "the data is bad" (1) from "the command could not run" (2).
inline constexpr int kExitOk = 0;
inline constexpr int kExitProblems = 1;
inline constexpr int kExitUsage = 2;

// Usage and I/O errors unwind to main, which prints the message and exits with `code`.
// Subcommands stay linear instead of threading an error value through every helper.
class CliError : public std::runtime_error {
 public:
  explicit CliError(const std::string& message, int code = kExitUsage)
      : std::runtime_error(message), code_(code) {}
  // A malformed command line: main adds a pointer to --help.
  static CliError usage(const std::string& message) {
    CliError e(message);
    e.usage_ = true;
    return e;
  }
  int code() const { return code_; }
  bool is_usage() const { return usage_; }

 private:
  int code_;
  bool usage_ = false;
};

// "--name value" and "--name=value" flags plus positional words, checked against the flags
// a subcommand declares: a flag it does not use is a usage error naming `command` ("keys
// list"), never silently ignored, since a user who adds a flag expects it to change the result.
class Args {
 public:
  Args(std::string_view command, std::vector<std::string_view> words,
       const std::set<std::string_view>& value_flags,
       const std::set<std::string_view>& bool_flags);

  const std::vector<std::string>& positional() const { return positional_; }
  bool has(std::string_view flag) const { return values_.count(std::string(flag)) != 0; }
  std::optional<std::string> get(std::string_view flag) const;
  std::string get_or(std::string_view flag, std::string fallback) const;
  std::optional<std::uint64_t> get_u64(std::string_view flag) const;
  // The one positional word a command requires (e.g. history's code), or a usage error.
  const std::string& single_positional(std::string_view what) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
};

std::uint64_t parse_u64(std::string_view text, std::string_view what);

// "2024-05-01T14:03:00Z", with an optional fraction of 1..9 digits (truncated to
// milliseconds) and a "+05:30"/"-08:00" offset instead of Z; a bare date means its midnight
// UTC. Returns epoch milliseconds.
std::optional<std::int64_t> parse_iso_time(std::string_view text);
std::int64_t parse_iso_time_or_throw(std::string_view text, std::string_view what);
// Epoch milliseconds as "2024-05-01T14:03:00.000Z"; 0 prints as "-" (no time set).
std::string format_iso_time(std::int64_t ms);

// "ledgerctl: <line>" on stderr: the lines of store::LongStep steps (a snapshot's decode,
// the summary), which print from a helper thread.
void progress_line(const std::string& line);

// A progress line on stderr for long runs: silent for the first second (short runs stay
// quiet), then at most once a second and at least every million records. The clock is read
// every 4096 records or every MiB of records, whichever comes first: a code generate's
// record is 200 KB and takes tens of milliseconds to apply, so 4096 of them went minutes
// without a line (probe 36b).
class Progress {
 public:
  explicit Progress(std::string what);
  // One record read; `bytes`: its payload's size.
  void tick(std::uint64_t lsn, std::size_t bytes = 0);
  std::uint64_t records() const { return records_; }

 private:
  using Clock = std::chrono::steady_clock;
  std::string what_;
  Clock::time_point started_ = Clock::now();
  Clock::time_point last_print_ = started_;
  std::uint64_t records_ = 0;
  std::uint64_t last_printed_records_ = 0;
  std::uint64_t records_unchecked_ = 0;  // since the clock was last read
  std::uint64_t bytes_unchecked_ = 0;
};

}  // namespace codeledger::tools
