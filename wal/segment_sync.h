// Making records durable outside the writer's own fdatasyncs. Durability none never fsyncs,
// but a snapshot file is always fsynced: unless the log is synced first, a power cut could
// leave a snapshot covering records the log lost, and the next start would find the log
// ending below the snapshot (and refuse: docs/wal-format.md, "Snapshots").
#pragma once

#include <cstdint>
#include <string>

#include "wal/file.h"
#include "wal/status.h"

namespace codeledger::wal {

// fdatasyncs every segment of dir that may hold a record after after_lsn (each through its
// own descriptor, as a sync lane does, so the writer may go on writing), then the directory
// (none does not sync segment names either). Whatever was written to those segments before
// the call survives a crash once it returns ok.
Status sync_segments_after(FileSystem& fs, const std::string& dir, std::uint64_t after_lsn);

}  // namespace codeledger::wal
