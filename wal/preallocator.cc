#include "wal/preallocator.h"

#include <algorithm>
#include <system_error>

#include "wal/format.h"

namespace codeledger::wal {

SegmentPreallocator::SegmentPreallocator(FileSystem& fs, const std::string& dir,
                                         std::uint64_t segment_bytes, ZeroFillPace pace,
                                         FailureHook on_background_failure)
    : fs_(fs),
      path_(join_path(dir, format::kPreparedSegmentName)),
      segment_bytes_(segment_bytes),
      pace_(pace),
      on_background_failure_(std::move(on_background_failure)) {}

SegmentPreallocator::~SegmentPreallocator() { wait_for_fill(); }

void SegmentPreallocator::request() {
  if (fill_.valid()) return;
  {
    std::lock_guard lock(rest_mu_);
    hurry_ = false;
  }
  try {
    fill_ = std::async(std::launch::async, [this] {
      const auto rest = [this](std::chrono::microseconds took) { rest_after(took); };
      auto filled = fs_.create_zeroed(path_, segment_bytes_, rest);
      if (!filled.ok() && on_background_failure_) on_background_failure_(filled.status());
      return filled;
    });
  } catch (const std::system_error&) {
    // No thread to be had: take() fills inline instead, on the writer thread.
  }
}

Result<std::unique_ptr<WritableFile>> SegmentPreallocator::take() {
  retried_ = false;
  if (!fill_.valid()) return fill_unpaced(segment_bytes_);
  hurry();
  auto filled = fill_.get();
  if (filled.ok()) return filled;
  retried_ = true;
  return fill_unpaced(segment_bytes_);  // truncates what the failed fill left
}

Result<std::unique_ptr<WritableFile>> SegmentPreallocator::fill_now(std::uint64_t bytes) {
  drop_fill();
  return fill_unpaced(bytes);
}

void SegmentPreallocator::discard() {
  drop_fill();
  (void)fs_.remove(path_);
}

void SegmentPreallocator::drop_fill() {
  wait_for_fill();
  fill_ = {};  // closes the prepared file, if the fill opened one
}

Result<std::unique_ptr<WritableFile>> SegmentPreallocator::fill_unpaced(std::uint64_t bytes) {
  return fs_.create_zeroed(path_, bytes, [](std::chrono::microseconds) {});
}

void SegmentPreallocator::rest_after(std::chrono::microseconds piece_took) {
  const auto rest = std::clamp(piece_took * pace_.idle_per_busy, pace_.rest_min, pace_.rest_max);
  std::unique_lock lock(rest_mu_);
  rest_cv_.wait_for(lock, rest, [this] { return hurry_; });
}

void SegmentPreallocator::hurry() {
  {
    std::lock_guard lock(rest_mu_);
    hurry_ = true;
  }
  rest_cv_.notify_all();
}

void SegmentPreallocator::wait_for_fill() {
  if (!fill_.valid()) return;
  hurry();
  fill_.wait();
}

}  // namespace codeledger::wal
