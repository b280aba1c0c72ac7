#include "wal/preallocator.h"

#include <system_error>

#include "wal/format.h"

namespace codeledger::wal {

SegmentPreallocator::SegmentPreallocator(FileSystem& fs, const std::string& dir,
                                         std::uint64_t segment_bytes)
    : fs_(fs), path_(join_path(dir, format::kPreparedSegmentName)), segment_bytes_(segment_bytes) {}

SegmentPreallocator::~SegmentPreallocator() {
  if (fill_.valid()) fill_.wait();
}

void SegmentPreallocator::request() {
  if (fill_.valid()) return;
  try {
    fill_ = std::async(std::launch::async,
                       [this] { return fs_.create_zeroed(path_, segment_bytes_); });
  } catch (const std::system_error&) {
    // No thread to be had: take() fills inline instead, on the writer thread.
  }
}

Result<std::unique_ptr<WritableFile>> SegmentPreallocator::take() {
  if (!fill_.valid()) return fs_.create_zeroed(path_, segment_bytes_);
  return fill_.get();
}

Result<std::unique_ptr<WritableFile>> SegmentPreallocator::fill_now(std::uint64_t bytes) {
  if (fill_.valid()) fill_.wait();
  fill_ = {};
  return fs_.create_zeroed(path_, bytes);
}

void SegmentPreallocator::discard() {
  if (fill_.valid()) {
    fill_.wait();
    fill_ = {};  // closes the prepared file, if the fill opened one
  }
  (void)fs_.remove(path_);
}

}  // namespace codeledger::wal
