// Snapshot files for ledgerctl: inspect and load any path, and write one to a path of the
// operator's choice (wal/snapshot.h names files by LSN inside a directory).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/ledger.h"
#include "server/store/long_step.h"
#include "wal/snapshot.h"

namespace codeledger::tools {

// A snapshot's checksum pass and its decode report nothing as they go (each is one call,
// 10-40 s at 10-20 million codes), so a command that checks or loads one says so from a
// helper thread (store::LongStep): nothing for the first second, then ledgerctl's progress
// line once a second, naming the file, its size and the pass that runs, and a last line:
//   ledgerctl: wal verify: snapshot snap-00000000001e5988.snap (466 MB): decoding it, 3.0 s
//   ledgerctl: wal verify: snapshot snap-00000000001e5988.snap read in 13.0 s
class SnapshotProgress {
 public:
  // `command`: "wal verify", "replay", "snapshot inspect"; `bytes`: the file's or payload's.
  SnapshotProgress(std::string_view command, const std::string& path, std::uint64_t bytes);
  void phase(const char* now) { phase_ = now; }  // static text
  void done() { step_.done(done_text_); }

 private:
  std::atomic<const char*> phase_{"checking its checksum"};
  std::string done_text_;
  store::LongStep step_;  // last: its thread reads phase_
};

// Header fields and validity (payload crc included); throws CliError on I/O errors.
wal::SnapshotInfo inspect_snapshot_file(const std::string& path,
                                        SnapshotProgress* progress = nullptr);

// Decodes a valid snapshot into an empty ledger; false with *problem when it does not decode.
bool load_snapshot_file(const std::string& path, const wal::SnapshotInfo& info,
                        ledger::Ledger& into, std::string* problem,
                        SnapshotProgress* progress = nullptr);

// Throws CliError unless `path` names a new file in an existing directory: replay must never
// replace a file (a WAL segment, the live snapshot) nor create directories by accident.
void check_new_snapshot_path(const std::string& path);

// The hidden staging directories (.ledgerctl-snapshot-<pid>.d) that runs of
// `replay --write-snapshot` killed by SIGKILL (or by a crash) left next to `path`: removed,
// one note each on stderr, when their pid no longer runs; the live ones are left alone.
void remove_stale_staging_dirs(const std::string& path);

// Written by wal::write_snapshot into a fresh directory next to `path`, then renamed onto
// it: the same temp + fsync + rename + directory fsync sequence the server uses, and the
// same format, so the result can be dropped into a data directory.
//
// SIGINT or SIGTERM while it writes: before the rename, the staging directory (and the
// partial file in it) is removed, a line says that `path` was not written, and the process
// exits with 128 + the signal's number (130 for Ctrl-C); once the file is complete at
// `path`, the signal no longer stops the run: it ends as it would have, and the return
// value names the signal (0: none came) so the caller can say the file was kept.
int write_snapshot_file(const std::string& path, std::uint64_t covered_lsn, std::int64_t time_ms,
                        std::string_view payload);

}  // namespace codeledger::tools
