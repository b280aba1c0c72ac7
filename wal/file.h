// The File seam: every byte wal/ reads or writes goes through a FileSystem, so tests can
// swap the POSIX one for FaultFs (wal/fault_fs.h), which fails chosen calls and "crashes".
//
// Thread safety: a FileSystem may be called from any thread; one WritableFile is used by one
// thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wal/function_ref.h"
#include "wal/status.h"

namespace codeledger::wal {

// Zero fill (FileSystem::create_zeroed) is written in pieces of this size: small enough that
// a log fdatasync queued behind one piece waits little (bench/scripts/zero-fill-probe.py:
// paced 256 KiB pieces left the log's fdatasync p99 at 1.2-2.4 ms, 1 MiB ones at 2.4-3.3
// ms), large enough that 64 MiB takes few syscalls. Fault injection counts pieces.
inline constexpr std::size_t kZeroFillChunkBytes = 256u << 10;

// Told, after each piece of a zero fill is on the disk, how long that piece took: a paced
// fill (SegmentPreallocator) rests there. Called on the filling thread, never kept.
using AfterZeroPiece = FunctionRef<void(std::chrono::microseconds took)>;

// What can be fdatasynced: every WritableFile, and the handles FileSystem::open_for_sync
// gives out, through which the writer's sync lanes (wal/sync_lanes.h) sync a segment while
// the writer thread goes on writing it. Each of those is its own open file description, so
// a writeback error is reported to every handle whose fdatasync could have covered the
// failed pages (Linux reports an error once per open file description, not per call).
class SyncHandle {
 public:
  virtual ~SyncHandle() = default;
  // fdatasync: every byte written to the file (through any handle, for a real file) before
  // this call survives a crash once it returns ok.
  virtual Status sync() = 0;
};

class WritableFile : public SyncHandle {
 public:
  // Appends all of data at the end of the file or fails (a failure may have written a prefix).
  virtual Status append(std::string_view data) = 0;
  // Writes all of data at offset (pwrite), overwriting what is there and growing the file
  // when it ends before offset + data.size(); a failure may have written a prefix.
  virtual Status write_at(std::uint64_t offset, std::string_view data) = 0;
  // Cuts (or extends with zeros) the file to size_bytes and fsyncs it: the new length and
  // every byte written before survive a crash once this returns ok.
  virtual Status truncate(std::uint64_t size_bytes) = 0;
  virtual Status close() = 0;
  virtual std::uint64_t size_bytes() const = 0;
};

// A directory's lock (FileSystem::lock_dir): held until this object is destroyed.
class DirLock {
 public:
  virtual ~DirLock() = default;
};

struct DirEntry {
  std::string name;          // file name only, no directory
  std::uint64_t size_bytes = 0;
  std::int64_t mtime_ms = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Opens for append, creating the file when missing; truncate_existing empties it first.
  virtual Result<std::unique_ptr<WritableFile>> open_append(const std::string& path,
                                                            bool truncate_existing) = 0;
  // Creates path (emptying an existing file), writes size_bytes zero bytes into it in
  // kZeroFillChunkBytes pieces (calling after_piece after each) and fsyncs it, so the zeros
  // and the length survive a crash (the name itself still needs sync_dir). Real zeros, not
  // fallocate: an unwritten extent turns into a written one on the first write, and that is
  // a metadata change each fdatasync would have to commit.
  virtual Result<std::unique_ptr<WritableFile>> create_zeroed(const std::string& path,
                                                              std::uint64_t size_bytes,
                                                              AfterZeroPiece after_piece) = 0;
  // A second open of the existing file at path, for its sync() only.
  virtual Result<std::unique_ptr<SyncHandle>> open_for_sync(const std::string& path) = 0;
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  // fsync of a directory: created, renamed and removed names in it survive a crash.
  virtual Status sync_dir(const std::string& dir) = 0;
  virtual Status create_dir(const std::string& dir) = 0;
  virtual Result<std::vector<DirEntry>> list(const std::string& dir) = 0;
  virtual Status remove(const std::string& path) = 0;
  virtual Result<std::string> read_file(const std::string& path) = 0;
  virtual Result<std::string> read_range(const std::string& path, std::uint64_t offset,
                                         std::uint64_t length) = 0;
  // Cuts the file to size_bytes and fsyncs it, so the cut itself survives a crash.
  virtual Status truncate(const std::string& path, std::uint64_t size_bytes) = 0;
  virtual bool exists(const std::string& path) = 0;
  // Takes the exclusive lock of dir (its file format::kLockFileName, created when missing)
  // without waiting, and writes this process's pid into that file. kBusy when another holder
  // has it: that holder's pid is in the file. Held until the returned object is destroyed.
  virtual Result<std::unique_ptr<DirLock>> lock_dir(const std::string& dir) = 0;
};

// The real one (POSIX calls). Stateless: one shared instance.
FileSystem& posix_fs();

inline std::string join_path(const std::string& dir, std::string_view name) {
  std::string p = dir;
  if (!p.empty() && p.back() != '/') p.push_back('/');
  p.append(name);
  return p;
}

}  // namespace codeledger::wal
