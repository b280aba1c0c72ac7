#include "wal/segment_sync.h"

#include "wal/reader.h"

namespace codeledger::wal {

Status sync_segments_after(FileSystem& fs, const std::string& dir, std::uint64_t after_lsn) {
  auto segs = list_segments(fs, dir);
  if (!segs.ok()) return segs.status();
  for (std::size_t i = 0; i < segs->size(); ++i) {
    // A segment's records end where the next one begins; the newest may still grow.
    const bool newest = i + 1 == segs->size();
    if (!newest && (*segs)[i + 1].first_lsn - 1 <= after_lsn) continue;
    auto handle = fs.open_for_sync(join_path(dir, (*segs)[i].name));
    if (!handle.ok()) return handle.status();
    if (Status st = (*handle)->sync(); !st.ok()) return st;
  }
  return fs.sync_dir(dir);
}

}  // namespace codeledger::wal
