// Snapshot files: an opaque payload (the layer above's encoded state) with a header that
// says which LSN it covers and a checksum. Written as temp file -> fsync -> rename -> fsync of
// the directory, so a crash leaves either the old set of snapshots or the new one, never a
// half-written file under a snapshot name.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "wal/file.h"
#include "wal/status.h"

namespace codeledger::wal {

struct SnapshotInfo {
  std::string name;
  std::uint64_t covered_lsn = 0;
  std::int64_t time_ms = 0;
  std::uint64_t payload_bytes = 0;
  std::uint32_t payload_crc = 0;
  bool valid = false;
  std::string problem;  // why it is not valid
};

struct LoadedSnapshot {
  SnapshotInfo info;
  std::string payload;
  std::vector<std::string> skipped;  // newer snapshots that were corrupt, and why
};

// Writes snap-<covered_lsn>.snap (temp file, fdatasync, rename, directory fsync). A file of
// that name already there which fails its checks (recovery skipped it and left it as
// evidence) is first renamed to snap-<lsn>.snap.corrupt (".corrupt.N" when taken), and
// `set_aside`, when given, says so; a valid one holds the same state and is replaced.
Status write_snapshot(FileSystem& fs, const std::string& dir, std::uint64_t covered_lsn,
                      std::int64_t time_ms, std::string_view payload,
                      std::string* set_aside = nullptr);

// Newest snapshot whose header and payload check out; corrupt newer ones are skipped and
// named in `skipped`. nullopt (with skipped filled) when there is no valid one.
Result<std::optional<LoadedSnapshot>> load_newest_snapshot(FileSystem& fs, const std::string& dir,
                                                           std::vector<std::string>* skipped);

// The payload of dir's snapshot `info` (as list_snapshots gave it, header valid), read once
// and checked against the header's length and checksum: on a mismatch info.valid turns
// false and info.problem says why.
Result<std::string> read_snapshot_payload(FileSystem& fs, const std::string& dir, SnapshotInfo& info);

// Every snapshot file of dir, newest first; verify_payload also checks the payload crc.
Result<std::vector<SnapshotInfo>> list_snapshots(FileSystem& fs, const std::string& dir,
                                                 bool verify_payload);
// One file, any name: header fields and whether it is valid.
Result<SnapshotInfo> inspect_snapshot(FileSystem& fs, const std::string& path);

// Removes the temp files of snapshots that were never finished (snap-*.snap.tmp: a crash or
// a failure while writing); returns what it removed, sizes included.
Result<std::vector<DirEntry>> remove_snapshot_temp_files(FileSystem& fs, const std::string& dir);

// Keeps the newest keep_count valid snapshots, removes older ones and leftover temp files;
// answers the names it kept as valid. A payload is read for its checksum only when the file
// would be kept and is not in `checked` (files whose payload the caller wrote or checked
// itself: a snapshot never changes once renamed into place). Until probe 36b it read every
// retained snapshot after each write, about 1.3 GB at 10 million codes.
Result<std::vector<std::string>> prune_snapshots(FileSystem& fs, const std::string& dir,
                                                 std::size_t keep_count,
                                                 const std::set<std::string>& checked = {});

}  // namespace codeledger::wal
