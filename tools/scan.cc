#include "tools/scan.h"

#include <cstdio>

#include "tools/cli.h"
#include "wal/file.h"

namespace codeledger::tools {

std::uint64_t first_retained_lsn(const std::string& data_dir) {
  auto segs = wal::list_segments(wal::posix_fs(), data_dir);
  if (!segs.ok()) throw CliError("cannot list " + data_dir + ": " + segs.status().message());
  return segs->empty() ? 0 : segs->front().first_lsn;
}

wal::ReadReport scan_records(const ScanOptions& options, const RecordVisitorFn& visit) {
  wal::ReadOptions ro;
  // Truncate-tail without repair: the server's own start-up rule, but only reported.
  ro.policy = wal::RecoveryPolicy::kTruncateTail;
  ro.repair = false;
  ro.until_lsn = options.until_lsn;
  const std::uint64_t first = first_retained_lsn(options.data_dir);
  // Retention may have removed old segments; reading starts where the log now begins.
  ro.from_lsn = std::max(options.from_lsn, first);
  Progress progress(options.progress_what);
  bool stopped = false;
  auto visitor = [&](const wal::RecordRef& rec) -> wal::Status {
    progress.tick(rec.lsn);
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
    auto event = ledger::decode_event(rec.payload);
    if (!event.ok()) {
      throw CliError("record lsn " + std::to_string(rec.lsn) + " in " + std::string(rec.file) +
                         " at offset " + std::to_string(rec.offset) +
                         " does not decode: " + event.status().message(),
                     kExitProblems);
    }
    return visit(*event, rec);
  });
}

}  // namespace codeledger::tools
