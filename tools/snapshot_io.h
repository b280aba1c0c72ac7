// Snapshot files for ledgerctl: inspect and load any path, and write one to a path of the
// operator's choice (wal/snapshot.h names files by LSN inside a directory).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/ledger.h"
#include "wal/snapshot.h"

namespace codeledger::tools {

// Header fields and validity (payload crc included); throws CliError on I/O errors.
wal::SnapshotInfo inspect_snapshot_file(const std::string& path);

// Decodes a valid snapshot into an empty ledger; false with *problem when it does not decode.
bool load_snapshot_file(const std::string& path, const wal::SnapshotInfo& info,
                        ledger::Ledger& into, std::string* problem);

// Throws CliError unless `path` names a new file in an existing directory: replay must never
// replace a file (a WAL segment, the live snapshot) nor create directories by accident.
void check_new_snapshot_path(const std::string& path);

// Written by wal::write_snapshot into a fresh directory next to `path`, then renamed onto
// it: the same temp + fsync + rename + directory fsync sequence the server uses, and the
// same format, so the result can be dropped into a data directory.
void write_snapshot_file(const std::string& path, std::uint64_t covered_lsn, std::int64_t time_ms,
                         std::string_view payload);

}  // namespace codeledger::tools
