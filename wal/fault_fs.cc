#include "wal/fault_fs.h"

#include <algorithm>

#include "wal/dir_lock.h"
#include "wal/format.h"

namespace codeledger::wal {
namespace {

std::string parent_of(const std::string& path) {
  auto pos = path.rfind('/');
  return pos == std::string::npos ? std::string() : path.substr(0, pos);
}
std::string base_of(const std::string& path) {
  auto pos = path.rfind('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}
std::string without_trailing_slash(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}
Status injected(const char* what, const std::string& path) {
  return Status(Code::kIoError, std::string(what) + " " + path + ": injected fault");
}

}  // namespace

class FaultFile final : public WritableFile {
 public:
  FaultFile(FaultFs* fs, FaultFs::InodePtr inode, std::uint64_t generation)
      : fs_(fs), inode_(std::move(inode)), generation_(generation) {}
  Status append(std::string_view data) override {
    return fs_->do_write(inode_, generation_, FaultOp::kWrite, FaultFs::kAtEnd, data);
  }
  Status write_at(std::uint64_t offset, std::string_view data) override {
    return fs_->do_write(inode_, generation_, FaultOp::kWrite, offset, data);
  }
  Status sync() override { return fs_->do_sync(inode_, generation_); }
  Status truncate(std::uint64_t size_bytes) override {
    return fs_->do_truncate(inode_, generation_, size_bytes);
  }
  Status close() override { return Status::Ok(); }
  std::uint64_t size_bytes() const override {
    std::lock_guard lock(fs_->mu_);
    return inode_->data.size();
  }
  // For create_zeroed, which writes through the same path with its own fault op.
  Status write_zeros(std::uint64_t offset, std::string_view zeros) {
    return fs_->do_write(inode_, generation_, FaultOp::kZeroFill, offset, zeros);
  }

 private:
  FaultFs* fs_;
  FaultFs::InodePtr inode_;
  std::uint64_t generation_;
};

// The lock of one directory; generation: the power-on period its holder lives in.
class FaultDirLock final : public DirLock {
 public:
  FaultDirLock(FaultFs* fs, std::string dir, std::uint64_t generation)
      : fs_(fs), dir_(std::move(dir)), generation_(generation) {}
  ~FaultDirLock() override { fs_->unlock_dir(dir_, generation_); }

 private:
  FaultFs* fs_;
  std::string dir_;
  std::uint64_t generation_;
};

void FaultFs::inject(Fault fault) {
  std::lock_guard lock(mu_);
  faults_[static_cast<int>(fault.op)] = fault;
  since_fault_[static_cast<int>(fault.op)] = 0;
}
void FaultFs::clear_faults() {
  std::lock_guard lock(mu_);
  faults_.clear();
}
std::uint64_t FaultFs::calls(FaultOp op) const {
  std::lock_guard lock(mu_);
  return calls_[static_cast<int>(op)];
}
void FaultFs::set_failed_write_keeps_bytes(std::size_t n) {
  std::lock_guard lock(mu_);
  failed_write_keep_bytes_ = n;
}
void FaultFs::set_now_ms(std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  now_ms_ = now_ms;
}

bool FaultFs::should_fail_locked(FaultOp op) {
  int i = static_cast<int>(op);
  ++calls_[i];
  ++since_fault_[i];
  auto it = faults_.find(i);
  if (it == faults_.end()) return false;
  const Fault& f = it->second;
  return since_fault_[i] == f.nth || (f.persistent && since_fault_[i] > f.nth);
}

Status FaultFs::check_alive_locked(std::uint64_t generation, const char* what) const {
  if (generation != generation_ || powered_off_) {
    return Status(Code::kIoError, std::string(what) + " after crash");
  }
  return Status::Ok();
}

Status FaultFs::do_write(const InodePtr& inode, std::uint64_t generation, FaultOp op,
                         std::uint64_t offset, std::string_view data) {
  std::lock_guard lock(mu_);
  if (Status st = check_alive_locked(generation, "write"); !st.ok()) return st;
  const bool fail = should_fail_locked(op);
  if (fail) data = data.substr(0, std::min(failed_write_keep_bytes_, data.size()));
  std::string& d = inode->data;
  const std::uint64_t at = offset == kAtEnd ? d.size() : offset;
  if (!data.empty()) {
    if (d.size() < at + data.size()) d.resize(at + data.size());  // a gap reads as zeros
    d.replace(at, data.size(), data);
    inode->dirty_from = std::min(inode->dirty_from, at);
    inode->dirty_to = std::max<std::uint64_t>(inode->dirty_to, at + data.size());
    inode->mtime_ms = now_ms_;
  }
  if (fail) return injected(op == FaultOp::kZeroFill ? "zero fill" : "write", "(fault fs)");
  return Status::Ok();
}

void FaultFs::hold_syncs() {
  std::lock_guard lock(hold_mu_);
  holding_ = true;
}

void FaultFs::release_syncs() {
  {
    std::lock_guard lock(hold_mu_);
    holding_ = false;
  }
  hold_cv_.notify_all();
}

void FaultFs::wait_syncs_held(std::size_t n) {
  std::unique_lock lock(hold_mu_);
  hold_cv_.wait(lock, [&] { return syncs_held_ >= n; });
}

Status FaultFs::do_sync(const InodePtr& inode, std::uint64_t generation) {
  {
    std::unique_lock hold(hold_mu_);
    if (holding_) {
      ++syncs_held_;
      hold_cv_.notify_all();
      hold_cv_.wait(hold, [&] { return !holding_; });
      --syncs_held_;
    }
  }
  std::lock_guard lock(mu_);
  if (Status st = check_alive_locked(generation, "fdatasync"); !st.ok()) return st;
  // A failed fsync persists nothing we could rely on; model it as persisting nothing.
  if (should_fail_locked(FaultOp::kSync)) return injected("fdatasync", "(fault fs)");
  mark_synced(*inode);
  return Status::Ok();
}

// synced = data, copying only what changed since the last sync: a preallocated segment is
// large, and the writer syncs it after every batch.
void FaultFs::mark_synced(Inode& inode) {
  std::string& s = inode.synced;
  const std::string& d = inode.data;
  if (inode.emptied || s.size() > d.size()) {
    s = d;
  } else {
    s.resize(d.size());  // bytes past the old end were written since, or are a gap of zeros
    const std::uint64_t to = std::min<std::uint64_t>(inode.dirty_to, d.size());
    const std::uint64_t from = inode.dirty_from;
    if (from < to) s.replace(from, to - from, d, from, to - from);
  }
  inode.mark_clean();
}

Status FaultFs::do_truncate(const InodePtr& inode, std::uint64_t generation,
                            std::uint64_t size_bytes) {
  std::lock_guard lock(mu_);
  if (Status st = check_alive_locked(generation, "ftruncate"); !st.ok()) return st;
  return truncate_locked(*inode, size_bytes, "(fault fs)");
}

// ftruncate + fsync. A failure is modelled as changing nothing: what was unsynced before
// stays unsynced (and may tear at a crash).
Status FaultFs::truncate_locked(Inode& inode, std::uint64_t size_bytes, const std::string& what) {
  if (should_fail_locked(FaultOp::kTruncate)) return injected("ftruncate", what);
  inode.data.resize(size_bytes);
  mark_synced(inode);
  return Status::Ok();
}

void FaultFs::power_off() {
  std::lock_guard lock(mu_);
  powered_off_ = true;
}

std::string FaultFs::surviving_bytes(const Inode& inode, std::size_t torn_keep) {
  std::string out = inode.synced;
  const std::uint64_t from = inode.dirty_from;
  const std::uint64_t to = std::min<std::uint64_t>(inode.dirty_to, inode.data.size());
  if (inode.emptied || from >= to) return out;
  const std::size_t keep = std::min<std::uint64_t>(torn_keep, to - from);
  if (out.size() < from + keep) out.resize(from + keep);
  out.replace(from, keep, inode.data, from, keep);
  return out;
}

void FaultFs::crash(std::size_t torn_tail_keep_bytes) {
  std::lock_guard lock(mu_);
  ++generation_;
  powered_off_ = false;
  locked_dirs_.clear();  // their holders died with the power
  names_ = durable_names_;
  for (auto& [name, inode] : names_) {
    inode->data = surviving_bytes(*inode, torn_tail_keep_bytes);
    inode->synced = inode->data;
    inode->mark_clean();
  }
}

std::string FaultFs::contents(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = names_.find(path);
  return it == names_.end() ? std::string() : it->second->data;
}

void FaultFs::write_raw(const std::string& path, std::string bytes) {
  std::lock_guard lock(mu_);
  write_raw_locked(path, std::move(bytes));
}

void FaultFs::write_raw_locked(const std::string& path, std::string bytes) {
  auto& inode = names_[path];
  if (!inode) inode = std::make_shared<Inode>();
  inode->data = std::move(bytes);
  inode->synced = inode->data;
  inode->mark_clean();
  durable_names_[path] = inode;
}

Result<std::unique_ptr<WritableFile>> FaultFs::open_append(const std::string& path,
                                                           bool truncate_existing) {
  std::lock_guard lock(mu_);
  if (powered_off_) return Status(Code::kIoError, "powered off: " + path);
  auto& inode = names_[path];
  if (!inode) {
    inode = std::make_shared<Inode>();
    inode->mtime_ms = now_ms_;
  }
  if (truncate_existing && !inode->data.empty()) {
    inode->data.clear();
    inode->emptied = true;
  }
  return std::unique_ptr<WritableFile>(new FaultFile(this, inode, generation_));
}

Result<std::unique_ptr<WritableFile>> FaultFs::create_zeroed(const std::string& path,
                                                             std::uint64_t size_bytes,
                                                             AfterZeroPiece after_piece) {
  auto file = open_append(path, true);
  if (!file.ok()) return file;
  auto& f = static_cast<FaultFile&>(**file);
  const std::string zeros(std::min<std::uint64_t>(size_bytes, kZeroFillChunkBytes), '\0');
  for (std::uint64_t at = 0; at < size_bytes; at += zeros.size()) {
    const std::uint64_t n = std::min<std::uint64_t>(zeros.size(), size_bytes - at);
    if (Status st = f.write_zeros(at, std::string_view(zeros).substr(0, n)); !st.ok()) return st;
    after_piece(std::chrono::microseconds(0));  // memory: no time worth telling
  }
  if (Status st = f.sync(); !st.ok()) return st;
  return file;
}

Result<std::unique_ptr<SyncHandle>> FaultFs::open_for_sync(const std::string& path) {
  std::lock_guard lock(mu_);
  if (powered_off_) return Status(Code::kIoError, "powered off: " + path);
  auto it = names_.find(path);
  if (it == names_.end()) return Status(Code::kNotFound, "open " + path + ": no such file");
  // A FaultFile: its syncs count as kSync, so "fail the Nth fsync" covers sync lanes too.
  return std::unique_ptr<SyncHandle>(new FaultFile(this, it->second, generation_));
}

Status FaultFs::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  if (powered_off_) return Status(Code::kIoError, "powered off: " + from);
  if (should_fail_locked(FaultOp::kRename)) return injected("rename", from);
  auto it = names_.find(from);
  if (it == names_.end()) return Status(Code::kNotFound, "rename " + from + ": no such file");
  names_[to] = it->second;
  names_.erase(from);
  return Status::Ok();
}

Status FaultFs::sync_dir(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (powered_off_) return Status(Code::kIoError, "powered off: " + dir);
  if (should_fail_locked(FaultOp::kSyncDir)) return injected("fsync dir", dir);
  for (auto it = durable_names_.begin(); it != durable_names_.end();) {
    it = parent_of(it->first) == dir && !names_.contains(it->first) ? durable_names_.erase(it)
                                                                    : std::next(it);
  }
  for (auto& [name, inode] : names_) {
    if (parent_of(name) == dir) durable_names_[name] = inode;
  }
  return Status::Ok();
}

// Like mkdir -p (PosixFs::create_dir): the parents too.
Status FaultFs::create_dir(const std::string& dir) {
  std::lock_guard lock(mu_);
  for (std::string d = without_trailing_slash(dir); !d.empty() && d != "/"; d = parent_of(d)) {
    dirs_.insert(d);
  }
  return Status::Ok();
}

bool FaultFs::dir_exists_locked(const std::string& dir) const {
  const std::string d = without_trailing_slash(dir);
  if (d == "/" || dirs_.contains(d)) return true;
  const std::string prefix = d + "/";
  auto it = names_.lower_bound(prefix);
  return it != names_.end() && it->first.starts_with(prefix);
}

Result<std::vector<DirEntry>> FaultFs::list(const std::string& dir) {
  std::lock_guard lock(mu_);
  std::vector<DirEntry> out;
  for (auto& [name, inode] : names_) {
    if (parent_of(name) == dir) out.push_back({base_of(name), inode->data.size(), inode->mtime_ms});
  }
  return out;
}

Status FaultFs::remove(const std::string& path) {
  std::lock_guard lock(mu_);
  if (powered_off_) return Status(Code::kIoError, "powered off: " + path);
  if (names_.erase(path) == 0) return Status(Code::kNotFound, "unlink " + path + ": no such file");
  return Status::Ok();
}

Result<std::string> FaultFs::read_file(const std::string& path) {
  return read_range(path, 0, UINT64_MAX);
}

Result<std::string> FaultFs::read_range(const std::string& path, std::uint64_t offset,
                                        std::uint64_t length) {
  std::lock_guard lock(mu_);
  auto it = names_.find(path);
  if (it == names_.end()) return Status(Code::kNotFound, "open " + path + ": no such file");
  const std::string& d = it->second->data;
  if (offset >= d.size()) return std::string();
  std::string out = d.substr(offset, length);
  bytes_read_[path] += out.size();
  return out;
}

std::uint64_t FaultFs::bytes_read(const std::string& path) const {
  std::lock_guard lock(mu_);
  if (!path.empty()) {
    auto it = bytes_read_.find(path);
    return it == bytes_read_.end() ? 0 : it->second;
  }
  std::uint64_t all = 0;
  for (const auto& [name, n] : bytes_read_) all += n;
  return all;
}

Status FaultFs::truncate(const std::string& path, std::uint64_t size_bytes) {
  std::lock_guard lock(mu_);
  if (powered_off_) return Status(Code::kIoError, "powered off: " + path);
  auto it = names_.find(path);
  if (it == names_.end()) return Status(Code::kNotFound, "truncate " + path + ": no such file");
  return truncate_locked(*it->second, size_bytes, path);
}

Result<std::unique_ptr<DirLock>> FaultFs::lock_dir(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (powered_off_) return Status(Code::kIoError, "powered off: " + dir);
  const std::string path = join_path(dir, format::kLockFileName);
  if (locked_dirs_.contains(dir)) {
    return Status(Code::kBusy, path + " is locked by another process");
  }
  locked_dirs_[dir] = generation_;
  write_raw_locked(path, lock_file_text());
  return std::unique_ptr<DirLock>(new FaultDirLock(this, dir, generation_));
}

void FaultFs::unlock_dir(const std::string& dir, std::uint64_t generation) {
  std::lock_guard lock(mu_);
  auto it = locked_dirs_.find(dir);
  if (it != locked_dirs_.end() && it->second == generation) locked_dirs_.erase(it);
}

bool FaultFs::exists(const std::string& path) {
  std::lock_guard lock(mu_);
  return names_.contains(path) || dir_exists_locked(path);
}

}  // namespace codeledger::wal
