// Reading the data directory without changing it: every WAL record decoded into its event,
// in LSN order, for dump, history and replay. A torn tail (a live server mid-write, or a
// crash not yet recovered) is reported on stderr and left alone; damage before the tail
// stops the scan with file and offset (exit 1), as the server would refuse to start.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ledger/events.h"
#include "tools/cli.h"
#include "wal/reader.h"

namespace codeledger::tools {

struct ScanOptions {
  std::string data_dir;
  std::uint64_t from_lsn = 1;  // raised to the first retained segment when older
  std::uint64_t until_lsn = UINT64_MAX;
  std::string progress_what;  // names the run in progress lines
};

// Return false to stop the scan early (not an error).
using EventVisitor = std::function<bool(const ledger::Event&, const wal::RecordRef&)>;
// Same, for scans that need only the record header (no decode).
using RecordVisitorFn = std::function<bool(const wal::RecordRef&)>;

// Throws CliError: exit 1 for damage or an undecodable record, exit 2 for I/O errors.
wal::ReadReport scan_events(const ScanOptions& options, const EventVisitor& visit);
wal::ReadReport scan_records(const ScanOptions& options, const RecordVisitorFn& visit);

// First LSN still in the log (0 when there is no segment).
std::uint64_t first_retained_lsn(const std::string& data_dir);

// --data-dir (default ./data), after one stderr note per file in it that the server skips
// although its name starts like a segment's or a snapshot's ("wal-zzzz.log",
// "snap-xyz.snap"): an auditor must not take the log for complete while such a file may hold
// records. Call once per command; throws CliError (exit 2) when the directory cannot be listed.
std::string data_dir_noting_strays(const Args& args);

}  // namespace codeledger::tools
