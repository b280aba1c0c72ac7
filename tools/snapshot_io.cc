#include "tools/snapshot_io.h"

#include <unistd.h>

#include <filesystem>

#include "tools/cli.h"
#include "wal/format.h"
#include "wal/record.h"

namespace codeledger::tools {

wal::SnapshotInfo inspect_snapshot_file(const std::string& path) {
  auto info = wal::inspect_snapshot(wal::posix_fs(), path);
  if (!info.ok()) throw CliError("cannot read snapshot " + path + ": " + info.status().message());
  return *info;
}

bool load_snapshot_file(const std::string& path, const wal::SnapshotInfo& info,
                        ledger::Ledger& into, std::string* problem) {
  auto bytes =
      wal::posix_fs().read_range(path, wal::format::kSnapshotHeaderBytes, info.payload_bytes);
  if (!bytes.ok()) throw CliError("cannot read snapshot " + path + ": " + bytes.status().message());
  Status st = into.decode_snapshot(*bytes);
  if (!st.ok()) *problem = "does not decode: " + st.message();
  return st.ok();
}

void check_new_snapshot_path(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw CliError::usage("--write-snapshot needs a file name");
  std::error_code ec;
  if (fs::symlink_status(path, ec).type() != fs::file_type::not_found) {
    throw CliError("cannot write snapshot " + path +
                   ": it already exists (left unchanged; remove it or choose a new name)");
  }
  const fs::path parent = fs::absolute(path).parent_path();
  if (!fs::is_directory(parent, ec)) {
    throw CliError("cannot write snapshot " + path + ": no directory " + parent.string());
  }
}

void write_snapshot_file(const std::string& path, std::uint64_t covered_lsn, std::int64_t time_ms,
                         std::string_view payload) {
  namespace fs = std::filesystem;
  check_new_snapshot_path(path);  // again: the replay before this may have taken a while
  const fs::path target = fs::absolute(path);
  const fs::path staging =
      target.parent_path() / (".ledgerctl-snapshot-" + std::to_string(::getpid()) + ".d");
  std::error_code ec;
  fs::remove_all(staging, ec);
  auto fail = [&](const std::string& what) {
    fs::remove_all(staging, ec);
    throw CliError("cannot write snapshot " + path + ": " + what);
  };
  wal::FileSystem& posix = wal::posix_fs();
  if (wal::Status st = posix.create_dir(staging.string()); !st.ok()) fail(st.message());
  if (wal::Status st = wal::write_snapshot(posix, staging.string(), covered_lsn, time_ms, payload);
      !st.ok()) {
    fail(st.message());
  }
  const fs::path written = staging / wal::snapshot_name(covered_lsn);
  if (wal::Status st = posix.rename(written.string(), target.string()); !st.ok())
    fail(st.message());
  if (wal::Status st = posix.sync_dir(target.parent_path().string()); !st.ok()) fail(st.message());
  fs::remove_all(staging, ec);
}

}  // namespace codeledger::tools
