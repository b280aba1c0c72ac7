// Prepares the next WAL segment off the writer's critical path: a helper thread creates
// <dir>/wal-prepared.tmp filled with segment_bytes_max real zero bytes and fsyncs it. The
// writer then overwrites it in place, so each group-commit fdatasync flushes data blocks
// only: the length and the extents are already durable, so ext4 has no journal commit to
// make (docs/wal-format.md, "Why preallocate", has the measurements).
//
// The background fill is paced (ZeroFillPace): unpaced, a 64 MiB fill held this VM's disk and a
// vCPU for 200-400 ms, and sync requests meanwhile waited 50-140 ms (docs/benchmarks-history.md,
// Session 12). A caller that needs the file, or a close, cuts the rests short.
//
// Thread safety: one thread at a time calls it (the writer thread, or open()/close() around
// it); only the zero fill itself runs on the helper thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>

#include "wal/file.h"
#include "wal/status.h"

namespace codeledger::wal {

// After each kZeroFillChunkBytes piece the background fill rests idle_per_busy times as long
// as the piece took, within [rest_min, rest_max]: it takes at most about a quarter of the disk
// and of a vCPU. On the benchmark VM a paced 64 MiB fill took 0.6-0.9 s, while the half
// segment left when it starts lasts over 3 s at 50k records/s.
struct ZeroFillPace {
  std::uint32_t idle_per_busy = 3;
  std::chrono::microseconds rest_min{1'000};
  std::chrono::microseconds rest_max{20'000};
};

class SegmentPreallocator {
 public:
  // Told on the fill's thread, as soon as a background fill (request()) fails: take() returns
  // that failure only at the next rotation, which may be minutes away.
  using FailureHook = std::function<void(const Status&)>;

  SegmentPreallocator(FileSystem& fs, const std::string& dir, std::uint64_t segment_bytes,
                      ZeroFillPace pace = {}, FailureHook on_background_failure = {});
  ~SegmentPreallocator();  // cuts the rests short and waits for a fill under way
  SegmentPreallocator(const SegmentPreallocator&) = delete;
  SegmentPreallocator& operator=(const SegmentPreallocator&) = delete;

  // Starts the zero fill in the background, unless one is under way or done and not taken.
  void request();
  // The prepared file, zero-filled and synced, open for write_at. Waits for the fill under
  // way (which then rests no more), or fills now when none was requested. A background fill
  // that failed (already told through the hook) is tried once more here, unpaced: space
  // freed since then keeps the log going instead of failing it at this rotation; a second
  // failure is returned as is. retried() says whether the last take() had to.
  Result<std::unique_ptr<WritableFile>> take();
  bool retried() const { return retried_; }
  // Zero-fills a prepared file of `bytes` now, on the calling thread (no fill may be under
  // way): the small first segment that open() starts with.
  Result<std::unique_ptr<WritableFile>> fill_now(std::uint64_t bytes);
  // Waits for a fill under way and removes the prepared file (best effort: a leftover one is
  // recreated by the next writer), so a clean shutdown leaves only segments and snapshots.
  void discard();

  const std::string& path() const { return path_; }

 private:
  void rest_after(std::chrono::microseconds piece_took);  // on the fill's thread
  void hurry();                                           // no more rests for this fill
  void wait_for_fill();                                   // hurries it first
  void drop_fill();                                       // waits for it, then closes its file
  Result<std::unique_ptr<WritableFile>> fill_unpaced(std::uint64_t bytes);

  FileSystem& fs_;
  const std::string path_;
  const std::uint64_t segment_bytes_;
  const ZeroFillPace pace_;
  const FailureHook on_background_failure_;
  std::mutex rest_mu_;
  std::condition_variable rest_cv_;
  bool hurry_ = false;  // guarded by rest_mu_
  bool retried_ = false;  // the last take() refilled after a failed background fill
  std::future<Result<std::unique_ptr<WritableFile>>> fill_;  // valid: requested, not taken
};

}  // namespace codeledger::wal
