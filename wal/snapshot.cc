#include "wal/snapshot.h"

#include <algorithm>

#include "wal/crc32c.h"
#include "wal/format.h"
#include "wal/record.h"
#include "wal/set_aside.h"

namespace codeledger::wal {
namespace {

bool payload_length_matches(std::uint64_t payload_bytes, SnapshotInfo& info) {
  if (payload_bytes == info.payload_bytes) return true;
  info.valid = false;
  info.problem = "payload length " + std::to_string(info.payload_bytes) + " does not match the file size";
  return false;
}

bool payload_checksum_matches(std::string_view payload, SnapshotInfo& info) {
  if (crc32c(payload) == info.payload_crc) return true;
  info.valid = false;
  info.problem = "payload checksum mismatch";
  return false;
}

// Checks the header (and the payload when bytes hold it) and fills info.
void check_snapshot_bytes(std::string_view b, std::uint64_t file_bytes, bool verify_payload,
                          SnapshotInfo& info) {
  if (b.size() < format::kSnapshotHeaderBytes) {
    info.problem = "shorter than the header";
    return;
  }
  if (b.substr(0, format::kSnapshotMagic.size()) != format::kSnapshotMagic) {
    info.problem = "bad magic";
    return;
  }
  if (get_u32(b.data() + format::kSnapshotHeaderCrcOffset) !=
      crc32c(b.data(), format::kSnapshotHeaderCrcOffset)) {
    info.problem = "header checksum mismatch";
    return;
  }
  if (get_u32(b.data() + 8) != format::kSnapshotVersion) {
    info.problem = "unknown version";
    return;
  }
  info.covered_lsn = get_u64(b.data() + 16);
  info.time_ms = static_cast<std::int64_t>(get_u64(b.data() + 24));
  info.payload_bytes = get_u64(b.data() + 32);
  info.payload_crc = get_u32(b.data() + 40);
  if (!payload_length_matches(file_bytes - format::kSnapshotHeaderBytes, info)) return;
  if (verify_payload && !payload_checksum_matches(b.substr(format::kSnapshotHeaderBytes), info)) {
    return;
  }
  info.valid = true;
}

// A file named as a snapshot (snap-<LSN>.snap) must cover that LSN: the newest is picked by
// name, so one whose header disagrees (a restore copied under the wrong name) would shadow
// every later snapshot (probe 32). Other names (a file given to `snapshot inspect`) are not
// checked.
void check_name_matches(SnapshotInfo& info) {
  const auto named = parse_snapshot_name(info.name);
  if (info.valid && named && *named != info.covered_lsn) {
    info.valid = false;
    info.problem = "covered lsn " + std::to_string(info.covered_lsn) +
                   " does not match the file name";
  }
}

// The load kept a snapshot that failed its checks as evidence; a new snapshot of its LSN must
// not rename over it (probe 32), so it moves aside first.
Status set_aside_if_failing(FileSystem& fs, const std::string& path, std::string* set_aside) {
  if (!fs.exists(path)) return Status::Ok();
  auto info = inspect_snapshot(fs, path);
  if (!info.ok()) return info.status();
  if (info->valid) return Status::Ok();
  auto to = set_aside_name(fs, path, format::kCorruptSuffix);
  if (!to.ok()) return to.status();
  if (Status st = fs.rename(path, *to); !st.ok()) return st;
  if (set_aside != nullptr) *set_aside = *to + " (" + info->problem + ")";
  return Status::Ok();
}

}  // namespace

Status write_snapshot(FileSystem& fs, const std::string& dir, std::uint64_t covered_lsn,
                      std::int64_t time_ms, std::string_view payload, std::string* set_aside) {
  if (payload.size() > format::kSnapshotPayloadBytesMax) {
    return Status(Code::kInvalidArgument, "snapshot payload above snapshot_payload_bytes_max");
  }
  std::string header;
  header.append(format::kSnapshotMagic);
  put_u32(header, format::kSnapshotVersion);
  put_u32(header, 0);
  put_u64(header, covered_lsn);
  put_u64(header, static_cast<std::uint64_t>(time_ms));
  put_u64(header, payload.size());
  put_u32(header, crc32c(payload));
  put_u32(header, crc32c(header.data(), format::kSnapshotHeaderCrcOffset));

  const std::string name = snapshot_name(covered_lsn);
  const std::string tmp = join_path(dir, name + std::string(format::kTempSuffix));
  auto file = fs.open_append(tmp, true);
  if (!file.ok()) return file.status();
  WritableFile& f = **file;
  Status st = f.append(header);
  if (st.ok()) st = f.append(payload);
  if (st.ok()) st = f.sync();
  Status closed = f.close();
  if (st.ok()) st = closed;
  if (st.ok()) st = set_aside_if_failing(fs, join_path(dir, name), set_aside);
  if (st.ok()) st = fs.rename(tmp, join_path(dir, name));
  if (st.ok()) st = fs.sync_dir(dir);
  if (!st.ok()) (void)fs.remove(tmp);  // best effort; prune_snapshots also sweeps temp files
  return st;
}

Result<SnapshotInfo> inspect_snapshot(FileSystem& fs, const std::string& path) {
  auto bytes = fs.read_file(path);
  if (!bytes.ok()) return bytes.status();
  SnapshotInfo info;
  auto slash = path.rfind('/');
  info.name = slash == std::string::npos ? path : path.substr(slash + 1);
  check_snapshot_bytes(*bytes, bytes->size(), true, info);
  check_name_matches(info);
  return info;
}

Result<std::vector<SnapshotInfo>> list_snapshots(FileSystem& fs, const std::string& dir,
                                                 bool verify_payload) {
  auto entries = fs.list(dir);
  if (!entries.ok()) return entries.status();
  std::vector<SnapshotInfo> out;
  for (const auto& e : *entries) {
    auto lsn = parse_snapshot_name(e.name);
    if (!lsn) continue;
    auto bytes = verify_payload
                     ? fs.read_file(join_path(dir, e.name))
                     : fs.read_range(join_path(dir, e.name), 0, format::kSnapshotHeaderBytes);
    if (!bytes.ok()) return bytes.status();
    SnapshotInfo info;
    info.name = e.name;
    std::uint64_t file_bytes = verify_payload ? bytes->size() : e.size_bytes;
    check_snapshot_bytes(*bytes, file_bytes, verify_payload, info);
    check_name_matches(info);
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const SnapshotInfo& a, const SnapshotInfo& b) {
    return parse_snapshot_name(a.name) > parse_snapshot_name(b.name);
  });
  return out;
}

Result<std::string> read_snapshot_payload(FileSystem& fs, const std::string& dir, SnapshotInfo& info) {
  // One byte past the header's length: a file that grew since its header was read shows.
  auto payload = fs.read_range(join_path(dir, info.name), format::kSnapshotHeaderBytes,
                               info.payload_bytes + 1);
  if (!payload.ok()) return payload.status();
  if (payload_length_matches(payload->size(), info)) payload_checksum_matches(*payload, info);
  return payload;
}

Result<std::optional<LoadedSnapshot>> load_newest_snapshot(FileSystem& fs, const std::string& dir,
                                                           std::vector<std::string>* skipped) {
  auto all = list_snapshots(fs, dir, false);
  if (!all.ok()) return all.status();
  for (auto& candidate : *all) {
    std::string payload;
    if (candidate.valid) {
      auto read = read_snapshot_payload(fs, dir, candidate);
      if (!read.ok()) return read.status();
      payload = std::move(*read);
    }
    if (!candidate.valid) {
      if (skipped) skipped->push_back(candidate.name + ": " + candidate.problem);
      continue;
    }
    LoadedSnapshot loaded{std::move(candidate), std::move(payload), {}};
    if (skipped) loaded.skipped = *skipped;
    return std::optional<LoadedSnapshot>(std::move(loaded));
  }
  return std::optional<LoadedSnapshot>();
}

Result<std::vector<DirEntry>> remove_snapshot_temp_files(FileSystem& fs, const std::string& dir) {
  auto entries = fs.list(dir);
  if (!entries.ok()) return entries.status();
  std::vector<DirEntry> removed;
  for (auto& e : *entries) {
    if (e.name.starts_with(format::kSnapshotPrefix) && e.name.ends_with(format::kTempSuffix)) {
      if (Status st = fs.remove(join_path(dir, e.name)); !st.ok()) return st;
      removed.push_back(std::move(e));
    }
  }
  return removed;
}

Result<std::vector<std::string>> prune_snapshots(FileSystem& fs, const std::string& dir,
                                                 std::size_t keep_count,
                                                 const std::set<std::string>& checked) {
  if (auto swept = remove_snapshot_temp_files(fs, dir); !swept.ok()) return swept.status();
  auto all = list_snapshots(fs, dir, false);
  if (!all.ok()) return all.status();
  std::vector<std::string> kept;
  for (auto& s : *all) {
    if (s.valid && kept.size() < keep_count && !checked.contains(s.name)) {
      if (auto read = read_snapshot_payload(fs, dir, s); !read.ok()) return read.status();
    }
    if (s.valid && kept.size() < keep_count) {
      kept.push_back(s.name);
      continue;
    }
    if (kept.size() < keep_count) continue;  // keep corrupt ones until enough good ones are newer
    if (Status st = fs.remove(join_path(dir, s.name)); !st.ok()) return st;
  }
  return kept;
}

}  // namespace codeledger::wal
