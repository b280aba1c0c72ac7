// Prepares the next WAL segment off the writer's critical path: a helper thread creates
// <dir>/wal-prepared.tmp filled with segment_bytes_max real zero bytes and fsyncs it. The
// writer then overwrites it in place, so each group-commit fdatasync flushes data blocks
// only: the length and the extents are already durable, so ext4 has no journal commit to
// make (docs/wal-format.md, "Why preallocate", has the measurements).
//
// Thread safety: one thread at a time calls it (the writer thread, or open()/close() around
// it); only the zero fill itself runs on the helper thread.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <string>

#include "wal/file.h"
#include "wal/status.h"

namespace codeledger::wal {

class SegmentPreallocator {
 public:
  SegmentPreallocator(FileSystem& fs, const std::string& dir, std::uint64_t segment_bytes);
  ~SegmentPreallocator();  // waits for a fill under way
  SegmentPreallocator(const SegmentPreallocator&) = delete;
  SegmentPreallocator& operator=(const SegmentPreallocator&) = delete;

  // Starts the zero fill in the background, unless one is under way or done and not taken.
  void request();
  // The prepared file, zero-filled and synced, open for write_at. Waits for the fill under
  // way, or fills now when none was requested. A failed fill is returned as is.
  Result<std::unique_ptr<WritableFile>> take();
  // Zero-fills a prepared file of `bytes` now, on the calling thread (no fill may be under
  // way): the small first segment that open() starts with.
  Result<std::unique_ptr<WritableFile>> fill_now(std::uint64_t bytes);
  // Waits for a fill under way and removes the prepared file (best effort: a leftover one is
  // recreated by the next writer), so a clean shutdown leaves only segments and snapshots.
  void discard();

  const std::string& path() const { return path_; }

 private:
  FileSystem& fs_;
  const std::string path_;
  const std::uint64_t segment_bytes_;
  std::future<Result<std::unique_ptr<WritableFile>>> fill_;  // valid: requested, not taken
};

}  // namespace codeledger::wal
