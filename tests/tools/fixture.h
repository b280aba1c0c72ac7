// A data directory built through the real Store from real ledger commands (promotions,
// import, link, redeem, reverse, unlink; two organisations, three API keys and dialects),
// and a runner for the built ledgerctl binary.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/store/store.h"

namespace codeledger::tools::testing {

inline constexpr ledger::OrgId kOrg = 7;
inline constexpr ledger::OrgId kOtherOrg = 8;
inline constexpr std::int64_t kStartMs = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
inline constexpr std::int64_t kStepMs = 60'000;              // one command a minute

struct Step {
  std::string what;
  std::uint64_t lsn = 0;  // the ledger's last LSN after the step
  std::int64_t time_ms = 0;
  std::uint64_t state_hash = 0;  // of the live ledger after the step
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs $CODELEDGER_BIN_DIR/tools/ledgerctl (or the one next to this test binary's build dir)
// with a shell-quoted argument list.
RunResult run_ledgerctl(const std::vector<std::string>& args);

std::string make_temp_dir();
// A copy of the history's data directory ("<scratch>/data"), for a test that damages it; the
// test removes the scratch directory (the copy's parent) when done.
std::string copy_of_history();
// Such a copy with a byte of segment `index`'s first record flipped (not the last segment:
// damage there would be a torn tail, which is cut).
std::string copy_with_damaged_segment(std::size_t index);
// One record of a log written record by record, for values no live server writes (API key
// names that are not ASCII, a client's text with control characters, the extremes).
struct CraftedEvent {
  std::string api_key;
  ledger::Dialect dialect;
  ledger::EventBody body;
};
// `events` as records 1..n of a fresh log in "<new temp dir>/data", a minute apart from
// kStartMs, all of org kOrg; the temp directory goes when the log does.
class CraftedLog {
 public:
  explicit CraftedLog(const std::vector<CraftedEvent>& events);
  ~CraftedLog();
  CraftedLog(const CraftedLog&) = delete;
  CraftedLog& operator=(const CraftedLog&) = delete;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

std::vector<std::string> lines_of(const std::string& text);
std::string read_file(const std::string& path);

// Built once per test binary: the history below, a snapshot in the middle, log after it.
class LedgerHistory {
 public:
  static const LedgerHistory& get();
  ~LedgerHistory();

  const std::string& data_dir() const { return dir_; }
  const std::vector<Step>& steps() const { return steps_; }
  const Step& step(const std::string& what) const;
  std::uint64_t snapshot_lsn() const { return snapshot_lsn_; }
  std::string segment_name(std::size_t i) const;  // the i-th segment file, by LSN

 private:
  LedgerHistory();
  void record(store::Store& s, const std::string& what, std::int64_t time_ms);
  void run(store::Store& s);

  std::string dir_;
  std::vector<Step> steps_;
  std::uint64_t snapshot_lsn_ = 0;
};

}  // namespace codeledger::tools::testing
