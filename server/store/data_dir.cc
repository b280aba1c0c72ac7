// The data directory itself: created when missing (only under an existing parent), locked
// for this store alone, and swept of what an interrupted snapshot left behind.
#include <string>

#include "server/store/store.h"
#include "wal/format.h"

namespace codeledger::store {
namespace {

// "nx/a/b" -> "nx/a", "data" -> ".", "/data" -> "/"; trailing slashes do not count.
std::string parent_dir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const auto slash = dir.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : dir.substr(0, slash);
}

}  // namespace

Status Store::take_data_dir() {
  if (Status st = create_data_dir_if_missing(); !st.ok()) return st;
  auto lock = fs_->lock_dir(options_.data_dir);
  if (lock.ok()) {
    dir_lock_ = std::move(*lock);
    return Status::Ok();
  }
  if (lock.status().code() != wal::Code::kBusy) {
    return Status(ErrorCode::kStorageUnavailable,
                  "cannot lock data directory " + options_.data_dir + ": " +
                      lock.status().message());
  }
  // Two servers on one directory would hand out the same LSNs into the same segment.
  return Status(ErrorCode::kStorageUnavailable,
                "data directory " + options_.data_dir + " is in use by another codeledgerd (pid " +
                    lock_holder_pid() + "); stop that one first, or give this one its own " +
                    "data directory");
}

// The quick start relies on ./data being made; a mistyped path (nx/a/b) must not silently
// become a new, empty ledger, so only the last component is ever created.
Status Store::create_data_dir_if_missing() {
  const std::string& dir = options_.data_dir;
  if (fs_->exists(dir)) return Status::Ok();
  const std::string parent = parent_dir(dir);
  if (!fs_->exists(parent)) {
    return Status(ErrorCode::kInvalidRequest,
                  "parent directory " + parent + " does not exist; is the data directory's " +
                      "path mistyped? To start a new, empty ledger there, create " + parent +
                      " first");
  }
  if (wal::Status st = fs_->create_dir(dir); !st.ok()) {
    return Status(ErrorCode::kStorageUnavailable, st.message());
  }
  log("created data directory " + dir + ": it did not exist, so the ledger starts empty");
  return Status::Ok();
}

std::string Store::lock_holder_pid() const {
  auto text = fs_->read_file(wal::join_path(options_.data_dir, wal::format::kLockFileName));
  std::string pid = text.ok() ? *text : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "unknown" : pid;
}

// A kill -9 during a snapshot leaves its temp file, as big as the state, until the next
// snapshot succeeds; at start it is garbage for sure (the lock says no one else is writing
// one). Removed as soon as the lock is held, before recovery: a recovery of a large ledger
// takes tens of seconds, and the log's first zero fill may need that space (it stayed for
// the whole recovery; probe 36b). Best effort: a file that cannot be removed now is swept
// again after the next snapshot.
void Store::remove_snapshot_leftovers() {
  auto removed = wal::remove_snapshot_temp_files(*fs_, options_.data_dir);
  if (!removed.ok()) {
    log("could not remove leftover snapshot temp files: " + removed.status().message());
    return;
  }
  for (const auto& e : *removed) {
    log("removed " + e.name + " (" + std::to_string(e.size_bytes) + " bytes) from " +
        options_.data_dir + ": the temp file of a snapshot that was interrupted");
  }
}

}  // namespace codeledger::store
