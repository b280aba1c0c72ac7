// Segment retention (runs on the writer thread, so it never races with rotation).
#include <vector>

#include "wal/reader.h"
#include "wal/writer.h"

namespace codeledger::wal {

void WalWriter::apply_retention() {
  const RetentionPolicy& policy = options_.retention;
  if (policy.age_ms_max <= 0 && policy.total_bytes_max == 0) return;
  auto segs = list_segments(fs_, options_.dir);
  if (!segs.ok()) return;  // retention is housekeeping: try again at the next rotation
  std::uint64_t total = 0;
  for (const auto& s : *segs) total += s.size_bytes;
  const std::uint64_t floor = snapshot_lsn_.load(std::memory_order_acquire);
  const std::int64_t now = options_.clock_ms();
  bool removed = false;
  // Only a prefix of the log goes, so what remains has no gap.
  for (std::size_t i = 0; i + 1 < segs->size(); ++i) {
    const SegmentInfo& s = (*segs)[i];
    const std::uint64_t last_in_segment = (*segs)[i + 1].first_lsn - 1;
    if (s.first_lsn >= segment_first_lsn_ || last_in_segment > floor) break;
    bool too_old = policy.age_ms_max > 0 && now - s.mtime_ms > policy.age_ms_max;
    bool too_big = policy.total_bytes_max > 0 && total > policy.total_bytes_max;
    if (!too_old && !too_big) break;
    if (!fs_.remove(join_path(options_.dir, s.name)).ok()) break;
    total -= s.size_bytes;
    removed = true;
    std::lock_guard lock(stats_mu_);
    ++stats_.segments_deleted;
  }
  if (removed) (void)fs_.sync_dir(options_.dir);
}

}  // namespace codeledger::wal
