// An in-memory FileSystem for tests that fails chosen calls and simulates a crash.
//
// Crash model (what ext4/xfs promise, no more): a file's bytes survive a crash only as of
// its last successful sync() (or truncate(), which fsyncs; create_zeroed syncs its zeros);
// a name created, renamed or removed survives only after a successful sync_dir() of its
// directory. crash() drops everything else, except that it may keep a torn prefix of each
// file's unsynced writes (counted from the lowest offset written since the last sync, so
// an append's tail and an in-place overwrite of preallocated zeros tear alike), as a power
// cut in the middle of a write would. A file emptied by open_append(truncate_existing) and
// not synced since comes back as it was at its last sync.
//
// Directories: "/", those create_dir made (with their parents) and those holding a file
// exist. lock_dir gives one holder at a time, like flock; a crash() frees every lock (the
// holders died with the power), and a dead holder's release then frees nothing.
//
// Thread safety: every method may be called from any thread (one mutex).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "wal/file.h"

namespace codeledger::wal {

// kWrite: append and write_at; kZeroFill: each kZeroFillChunkBytes piece create_zeroed
// writes (its closing fsync counts as kSync); kTruncate: WritableFile::truncate and
// FileSystem::truncate.
enum class FaultOp : std::uint8_t { kWrite = 0, kSync, kRename, kSyncDir, kZeroFill, kTruncate };
inline constexpr int kFaultOpCount = 6;

struct Fault {
  FaultOp op = FaultOp::kWrite;
  std::uint64_t nth = 1;    // 1-based count of calls of this op since the fault was injected
  bool persistent = false;  // fail the nth call and every later one
};

class FaultFs : public FileSystem {
 public:
  FaultFs() = default;

  // Arms one fault; counts of its op restart at zero.
  void inject(Fault fault);
  void clear_faults();
  // Calls of op so far (successful or failed), counted since construction.
  std::uint64_t calls(FaultOp op) const;
  // Bytes read_file and read_range have returned since construction: of the file at `path`
  // (by name: a file renamed over it counts on), or of every file when path is empty.
  std::uint64_t bytes_read(const std::string& path = {}) const;
  // A failed write or zero-fill piece leaves this many bytes of its data in the file (a
  // partial write). A failed truncate changes nothing.
  void set_failed_write_keeps_bytes(std::size_t n);
  void set_now_ms(std::int64_t now_ms);
  // Until release_syncs(), every file fdatasync waits before it starts: a test orders what
  // the log does while a sync is in flight. wait_syncs_held(n) returns once n are waiting.
  void hold_syncs();
  void release_syncs();
  void wait_syncs_held(std::size_t n);

  // Power cut: keeps synced bytes and synced names; of each file's unsynced writes keeps
  // torn_tail_keep_bytes bytes from the lowest one on (0 = none). Files open before the crash are dead after it:
  // their appends and syncs fail and change nothing, as a process killed by the cut would.
  void crash(std::size_t torn_tail_keep_bytes = 0);
  // The moment of the power cut, before crash(): every later write, sync, rename, remove and
  // directory sync fails and changes nothing, so objects destroyed afterwards (which flush on
  // the way out) cannot touch the disk image. crash() powers back on.
  void power_off();

  // Test access to raw bytes (write_raw makes them durable at once).
  std::string contents(const std::string& path) const;
  void write_raw(const std::string& path, std::string bytes);

  Result<std::unique_ptr<WritableFile>> open_append(const std::string& path,
                                                    bool truncate_existing) override;
  Result<std::unique_ptr<WritableFile>> create_zeroed(const std::string& path,
                                                      std::uint64_t size_bytes,
                                                      AfterZeroPiece after_piece) override;
  Result<std::unique_ptr<SyncHandle>> open_for_sync(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status sync_dir(const std::string& dir) override;
  Status create_dir(const std::string& dir) override;
  Result<std::vector<DirEntry>> list(const std::string& dir) override;
  Status remove(const std::string& path) override;
  Result<std::string> read_file(const std::string& path) override;
  Result<std::string> read_range(const std::string& path, std::uint64_t offset,
                                 std::uint64_t length) override;
  Status truncate(const std::string& path, std::uint64_t size_bytes) override;
  bool exists(const std::string& path) override;
  Result<std::unique_ptr<DirLock>> lock_dir(const std::string& dir) override;

 private:
  friend class FaultFile;
  friend class FaultDirLock;
  static constexpr std::uint64_t kAtEnd = UINT64_MAX;
  struct Inode {
    std::string data;    // what reads see now
    std::string synced;  // what survives a crash
    std::int64_t mtime_ms = 0;
    std::uint64_t dirty_from = kAtEnd;  // lowest offset written since the last sync
    std::uint64_t dirty_to = 0;         // one past the highest one
    bool emptied = false;               // emptied by open_append since the last sync
    void mark_clean() {
      dirty_from = kAtEnd;
      dirty_to = 0;
      emptied = false;
    }
  };
  using InodePtr = std::shared_ptr<Inode>;

  // Counts a call of op and says whether it must fail. Requires mu_.
  bool should_fail_locked(FaultOp op);
  // Requires mu_: the checks every call on an open file makes first.
  Status check_alive_locked(std::uint64_t generation, const char* what) const;
  // offset kAtEnd: append. op: kWrite or kZeroFill.
  Status do_write(const InodePtr& inode, std::uint64_t generation, FaultOp op,
                  std::uint64_t offset, std::string_view data);
  Status do_sync(const InodePtr& inode, std::uint64_t generation);
  Status do_truncate(const InodePtr& inode, std::uint64_t generation, std::uint64_t size_bytes);
  static void mark_synced(Inode& inode);
  Status truncate_locked(Inode& inode, std::uint64_t size_bytes, const std::string& what);
  void write_raw_locked(const std::string& path, std::string bytes);
  bool dir_exists_locked(const std::string& dir) const;
  void unlock_dir(const std::string& dir, std::uint64_t generation);
  // What of inode survives a power cut that keeps torn_keep bytes of its unsynced writes.
  static std::string surviving_bytes(const Inode& inode, std::size_t torn_keep);

  mutable std::mutex mu_;
  std::mutex hold_mu_;  // the sync hold, apart from mu_ so a held sync blocks nothing else
  std::condition_variable hold_cv_;
  bool holding_ = false;       // guarded by hold_mu_
  std::size_t syncs_held_ = 0;  // guarded by hold_mu_
  std::map<std::string, InodePtr> names_;          // guarded by mu_
  std::map<std::string, InodePtr> durable_names_;  // guarded by mu_
  std::uint64_t calls_[kFaultOpCount] = {};        // guarded by mu_
  std::map<std::string, std::uint64_t> bytes_read_;  // guarded by mu_, by path
  std::uint64_t since_fault_[kFaultOpCount] = {};  // guarded by mu_
  std::map<int, Fault> faults_;                    // guarded by mu_, by op
  std::size_t failed_write_keep_bytes_ = 0;        // guarded by mu_
  std::int64_t now_ms_ = 0;                        // guarded by mu_
  std::uint64_t generation_ = 0;                   // guarded by mu_, bumped by crash()
  bool powered_off_ = false;                       // guarded by mu_
  std::set<std::string> dirs_;                     // guarded by mu_: made by create_dir
  std::map<std::string, std::uint64_t> locked_dirs_;  // guarded by mu_: dir -> holder's generation
};

}  // namespace codeledger::wal
