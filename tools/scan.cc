#include "tools/scan.h"

#include <algorithm>
#include <cstdio>

#include "server/store/record_event.h"
#include "tools/commands.h"
#include "wal/file.h"
#include "wal/format.h"
#include "wal/record.h"
#include "wal/set_aside.h"

namespace codeledger::tools {

std::uint64_t first_retained_lsn(const std::string& data_dir) {
  auto segs = wal::list_segments(wal::posix_fs(), data_dir);
  if (!segs.ok()) throw CliError("cannot list " + data_dir + ": " + segs.status().message());
  return segs->empty() ? 0 : segs->front().first_lsn;
}

namespace {

// Why the server skips a file whose name starts like a segment's or a snapshot's; nullopt
// for real segments and snapshots, for unrelated files, and for the writer's prepared next
// segment, which every live directory holds (a note on each run would be noise).
std::optional<std::string> why_ignored(std::string_view name) {
  namespace f = wal::format;
  auto without = [&](std::string_view suffix) {
    return name.ends_with(suffix) ? name.substr(0, name.size() - suffix.size()) : "";
  };
  if (name == f::kPreparedSegmentName) return std::nullopt;
  if (name.starts_with(f::kSegmentPrefix)) {
    if (wal::parse_segment_name(name)) return std::nullopt;
    if (const auto from = wal::set_aside_original(name, f::kDroppedSuffix);
        from && wal::parse_segment_name(*from)) {
      return "set aside by recovery (a point-in-time cut, or a torn segment header after a "
             "crash during rotation), not part of the log";
    }
    return "not a segment name (wal-<16 lowercase hex digits>.log)";
  }
  if (name.starts_with(f::kSnapshotPrefix)) {
    if (wal::parse_snapshot_name(name)) return std::nullopt;
    if (wal::parse_snapshot_name(without(f::kTempSuffix))) {
      return "an unfinished snapshot (temp file being written, or left by a crash)";
    }
    if (const auto from = wal::set_aside_original(name, f::kCorruptSuffix);
        from && wal::parse_snapshot_name(*from)) {
      return "a snapshot that failed its checks, set aside when a new one of its lsn was written";
    }
    return "not a snapshot name (snap-<16 lowercase hex digits>.snap)";
  }
  return std::nullopt;
}

}  // namespace

std::string data_dir_noting_strays(const Args& args) {
  const std::string dir = args.get_or("data-dir", std::string(kDefaultDataDir));
  auto entries = wal::posix_fs().list(dir);
  if (!entries.ok()) throw CliError("cannot list " + dir + ": " + entries.status().message());
  std::vector<std::string> names;
  for (const auto& e : *entries) names.push_back(e.name);
  std::sort(names.begin(), names.end());  // readdir order is arbitrary
  for (const auto& name : names) {
    if (auto why = why_ignored(name)) {
      std::fprintf(stderr, "ledgerctl: note: ignoring %s: %s\n",
                   wal::join_path(dir, name).c_str(), why->c_str());
    }
  }
  return dir;
}

wal::ReadReport scan_records(const ScanOptions& options, const RecordVisitorFn& visit) {
  wal::ReadOptions ro;
  // Truncate-tail without repair: the server's own start-up rule, but only reported.
  ro.policy = wal::RecoveryPolicy::kTruncateTail;
  ro.repair = false;
  ro.damage_consequence = "codeledgerd would refuse to start";  // this tool is not starting
  ro.until_lsn = options.until_lsn;
  const std::uint64_t first = first_retained_lsn(options.data_dir);
  // Retention may have removed old segments; reading starts where the log now begins.
  ro.from_lsn = std::max(options.from_lsn, first);
  Progress progress(options.progress_what);
  bool stopped = false;
  auto visitor = [&](const wal::RecordRef& rec) -> wal::Status {
    progress.tick(rec.lsn, rec.payload.size());
    if (!visit(rec)) {
      stopped = true;
      return wal::Status(wal::Code::kNotFound, "stopped by the visitor");
    }
    return wal::Status::Ok();
  };
  auto r = wal::read_wal(wal::posix_fs(), options.data_dir, ro, visitor);
  if (!r.ok() && !stopped) {
    const auto& st = r.status();
    throw CliError(st.message(), st.code() == wal::Code::kIoError ? kExitUsage : kExitProblems);
  }
  wal::ReadReport report = r.ok() ? *r : wal::ReadReport{};
  for (const auto& note : report.notes) {
    std::fprintf(stderr, "ledgerctl: note: %s (left as is; a live server may be mid-write)\n",
                 note.c_str());
  }
  return report;
}

wal::ReadReport scan_events(const ScanOptions& options, const EventVisitor& visit) {
  return scan_records(options, [&](const wal::RecordRef& rec) {
    auto event = store::decode_record(rec, std::string(rec.file));
    if (!event.ok()) throw CliError(event.status().message(), kExitProblems);
    return visit(*event, rec);
  });
}

}  // namespace codeledger::tools
