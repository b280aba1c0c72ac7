// `replay --until <time|LSN>`: the ledger as of that moment, from the newest snapshot at or
// before it plus the WAL after that snapshot (or the WAL alone), through Ledger::apply, the
// code live traffic runs.
#include <atomic>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <memory>

#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/ledger_summary.h"
#include "tools/scan.h"
#include "tools/snapshot_io.h"

namespace codeledger::tools {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// A time means the longest prefix of the log whose records are not after it: the state a
// reader at that moment could have seen. Records are in LSN order, so the first one after the
// time ends the prefix even if a later record carries an earlier clock reading.
std::uint64_t lsn_at_time(const std::string& dir, std::int64_t until_ms) {
  ScanOptions so;
  so.data_dir = dir;
  so.progress_what = "replay (finding the lsn)";
  const std::uint64_t first = first_retained_lsn(dir);
  std::uint64_t last = first ? first - 1 : 0;
  scan_records(so, [&](const wal::RecordRef& rec) {
    if (rec.time_ms > until_ms) return false;
    last = rec.lsn;
    return true;
  });
  return last;
}

struct Rebuilt {
  std::unique_ptr<ledger::Ledger> ledger = std::make_unique<ledger::Ledger>();
  std::uint64_t snapshot_lsn = 0;
  std::string snapshot_name;
  std::uint64_t replayed = 0;
  std::int64_t last_time_ms = 0;
};

// Newest valid, decodable snapshot covering at most `target`; corrupt ones are named and
// skipped, like recovery does.
Rebuilt load_base(const std::string& dir, std::uint64_t target) {
  auto snaps = wal::list_snapshots(wal::posix_fs(), dir, false);
  if (!snaps.ok())
    throw CliError("cannot list snapshots in " + dir + ": " + snaps.status().message());
  for (const auto& s : *snaps) {
    if (s.covered_lsn > target) continue;
    const std::string path = wal::join_path(dir, s.name);
    SnapshotProgress progress("replay", path, s.payload_bytes);
    wal::SnapshotInfo info = inspect_snapshot_file(path, &progress);
    std::string problem = info.problem;
    auto into = std::make_unique<ledger::Ledger>();
    if (info.valid && load_snapshot_file(path, info, *into, &problem, &progress)) {
      return {std::move(into), info.covered_lsn, s.name, 0, info.time_ms};
    }
    std::fprintf(stderr, "ledgerctl: skipping snapshot %s: %s\n", s.name.c_str(), problem.c_str());
  }
  return {};
}

Rebuilt rebuild(const std::string& dir, std::uint64_t target) {
  Rebuilt r = load_base(dir, target);
  ledger::Ledger& ledger = *r.ledger;
  if (r.snapshot_lsn == target) return r;
  const std::uint64_t first = first_retained_lsn(dir);
  if (first == 0 || first > r.snapshot_lsn + 1) {
    throw CliError(
        "cannot rebuild lsn " + std::to_string(target) + ": no snapshot at or before it " +
        "and the log " + (first ? "begins at lsn " + std::to_string(first) : "is empty") +
        (r.snapshot_lsn ? " (snapshot covers lsn " + std::to_string(r.snapshot_lsn) + ")" : ""));
  }
  ScanOptions so;
  so.data_dir = dir;
  so.from_lsn = r.snapshot_lsn + 1;
  so.until_lsn = target;
  so.progress_what = "replay";
  std::uint64_t last = r.snapshot_lsn;
  scan_events(so, [&](const ledger::Event& e, const wal::RecordRef& rec) {
    if (Status st = ledger.apply(e); !st.ok()) {
      throw CliError("apply of lsn " + std::to_string(rec.lsn) + " failed: " + st.message(),
                     kExitProblems);
    }
    last = rec.lsn;
    r.last_time_ms = rec.time_ms;
    ++r.replayed;
    return true;
  });
  if (last != target) {
    throw CliError("the log ends at lsn " + std::to_string(last) + "; cannot replay until lsn " +
                   std::to_string(target));
  }
  return r;
}

}  // namespace

int run_replay(const Words& words) {
  Args args("replay", words, {"data-dir", "until", "write-snapshot"}, {"summary"});
  if (!args.positional().empty()) throw CliError::usage("replay takes no positional arguments");
  auto until = args.get("until");
  if (!until) throw CliError::usage("replay needs --until <ISO time|LSN>");
  if (args.has("write-snapshot") && args.has("summary")) {
    throw CliError::usage("choose one of --write-snapshot FILE and --summary");
  }
  // Checked before a replay that may take minutes, and again just before the rename.
  if (auto file = args.get("write-snapshot")) {
    check_new_snapshot_path(*file);
    remove_stale_staging_dirs(*file);
  }
  // Parsed before the directory is read, so a typo is not buried under its notes.
  const bool by_lsn = all_digits(*until);
  const std::uint64_t until_lsn = by_lsn ? parse_u64(*until, "--until") : 0;
  const std::int64_t until_ms = by_lsn ? 0 : parse_iso_time_or_throw(*until, "--until");
  const std::string dir = data_dir_noting_strays(args);
  const std::uint64_t target = by_lsn ? until_lsn : lsn_at_time(dir, until_ms);
  const Rebuilt r = rebuild(dir, target);
  const ledger::Ledger& ledger = *r.ledger;
  std::fprintf(stderr, "ledgerctl: rebuilt lsn %" PRIu64 " from %s + %" PRIu64 " wal records\n",
               target, r.snapshot_lsn ? r.snapshot_name.c_str() : "no snapshot", r.replayed);
  if (auto file = args.get("write-snapshot")) {
    std::atomic<const char*> phase{"encoding"};
    store::LongStep step(progress_line, "replay: writing " + *file,
                         [&phase] { return std::string(phase.load()); });
    std::string bytes;
    ledger.encode_snapshot(bytes);
    phase = "writing it";
    const int late_signal = write_snapshot_file(*file, target, r.last_time_ms, bytes);
    step.done("replay: " + *file + " written");
    std::printf("wrote %s: covers lsn %" PRIu64 ", %zu payload bytes, state hash %016" PRIx64 "\n",
                file->c_str(), target, bytes.size(), ledger.state_hash());
    if (late_signal != 0) {
      std::fflush(stdout);
      std::fprintf(stderr, "ledgerctl: %s came once %s was complete: it is kept, and the run "
                   "ends as done\n", late_signal == SIGINT ? "SIGINT" : "SIGTERM", file->c_str());
    }
    return kExitOk;
  }
  print_summary(ledger, stdout);
  return kExitOk;
}

}  // namespace codeledger::tools
