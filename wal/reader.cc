#include "wal/reader.h"

#include <algorithm>
#include <utility>

#include "wal/format.h"
#include "wal/record.h"
#include "wal/set_aside.h"

namespace codeledger::wal {

std::string_view to_string(RecoveryPolicy p) {
  switch (p) {
    case RecoveryPolicy::kStrict: return "strict";
    case RecoveryPolicy::kTruncateTail: return "truncate-tail";
    case RecoveryPolicy::kPointInTime: return "point-in-time";
  }
  return "?";
}

std::optional<RecoveryPolicy> parse_recovery_policy(std::string_view s) {
  for (auto p : {RecoveryPolicy::kStrict, RecoveryPolicy::kTruncateTail,
                 RecoveryPolicy::kPointInTime}) {
    if (s == to_string(p)) return p;
  }
  return {};
}

Result<std::vector<SegmentInfo>> list_segments(FileSystem& fs, const std::string& dir) {
  auto entries = fs.list(dir);
  if (!entries.ok()) return entries.status();
  std::vector<SegmentInfo> out;
  for (auto& e : *entries) {
    if (auto lsn = parse_segment_name(e.name)) out.push_back({*lsn, e.name, e.size_bytes, e.mtime_ms});
  }
  std::sort(out.begin(), out.end(),
            [](const SegmentInfo& a, const SegmentInfo& b) { return a.first_lsn < b.first_lsn; });
  return out;
}

std::string ReadReport::summary() const {
  // No record: no range to give ("lsn 0..0" read as if lsn 0 existed; probe 32d). A segment
  // left empty after retention and a clean stop is such a log.
  std::string s = std::to_string(records) + " records in " + std::to_string(segments) +
                  " segments" +
                  (records == 0 ? std::string()
                                : ", lsn " + std::to_string(first_lsn) + ".." + std::to_string(last_lsn));
  if (cut && repaired) {
    s += "; cut " + cut_file + " at offset " + std::to_string(cut_offset) + ", dropped " +
         std::to_string(bytes_dropped) + " bytes (the damaged record and " +
         std::to_string(records_dropped) + " valid records after it)";
  } else if (cut) {
    s += "; torn tail in " + cut_file + " at offset " + std::to_string(cut_offset) + " (" +
         std::to_string(bytes_dropped) + " bytes) not read, left as is";
  }
  return s;
}

namespace {

// LSNs a resynchronising scan accepts as "a later record": far enough to survive a run of
// lost records, near enough that random bytes almost never pass the filter before the crc.
constexpr std::uint64_t kResyncLsnWindow = 1ull << 32;

// Valid records starting at or after `from` whose LSN is at least min_lsn. Used to tell a
// torn tail (nothing valid after it) from damage in the middle (valid records follow).
std::uint64_t count_valid_after(std::string_view data, std::size_t from, std::uint64_t min_lsn,
                                bool stop_at_first) {
  std::uint64_t found = 0;
  // A record starting in the zero fill would have type 0: no need to scan it byte by byte.
  const std::size_t end = zero_fill_start(data);
  for (std::size_t pos = from; pos < end && pos + format::kRecordHeaderBytes <= data.size();) {
    std::uint64_t lsn = get_u64(data.data() + pos + format::kRecordLsnOffset);
    RecordView v;
    std::size_t n = 0;
    if (lsn >= min_lsn && lsn - min_lsn < kResyncLsnWindow &&
        parse_record(data, pos, &v, &n) == Parse::kOk) {
      if (stop_at_first) return 1;
      ++found;
      pos += n;
      min_lsn = lsn + 1;
      continue;
    }
    ++pos;
  }
  return found;
}

class Reader {
 public:
  Reader(FileSystem& fs, const std::string& dir, const ReadOptions& o, RecordVisitor visit)
      : fs_(fs), dir_(dir), opt_(o), visit_(visit) {}
  Result<ReadReport> run();

 private:
  // Reads segment i; sets done_ when the read must stop after it.
  Status read_segment(std::size_t i);
  Status handle_bad(std::size_t i, std::string_view data, std::uint64_t offset,
                    const std::string& why);
  Status cut(std::size_t i, std::string_view data, std::uint64_t offset, const std::string& why);
  Status zero_tail(std::size_t i, std::string_view data, std::uint64_t offset);
  // While true the read may still end below end_lsn_min, so it must not repair anything yet.
  bool below_end_lsn_min() const { return expected_ - 1 < opt_.end_lsn_min; }
  Status ends_too_early(const std::string& where) const;
  // kTruncateTail's refusal: what is wrong, the caller's consequence, what a cut would drop.
  Status refuse_damage(const std::string& what, std::string_view dropped) const;

  FileSystem& fs_;
  const std::string& dir_;
  const ReadOptions& opt_;
  RecordVisitor visit_;
  std::vector<SegmentInfo> segs_;
  ReadReport report_;
  std::uint64_t expected_ = 0;  // the next record's LSN: the log ends at expected_ - 1
  std::size_t last_read_ = 0;   // the segment read last
  bool done_ = false;
};

Result<ReadReport> Reader::run() {
  report_.repaired = opt_.repair;
  auto segs = list_segments(fs_, dir_);
  if (!segs.ok()) return segs.status();
  segs_ = std::move(*segs);
  if (segs_.empty()) return report_;  // no log at all meets end_lsn_min (see ReadOptions)
  std::size_t start = 0;
  while (start + 1 < segs_.size() && segs_[start + 1].first_lsn <= opt_.from_lsn) ++start;
  if (segs_[start].first_lsn > opt_.from_lsn) {
    return Status(Code::kCorruption, "wal in " + dir_ + " begins at lsn " +
                                         std::to_string(segs_[start].first_lsn) +
                                         " but recovery needs lsn " +
                                         std::to_string(opt_.from_lsn));
  }
  expected_ = segs_[start].first_lsn;
  for (std::size_t i = start; i < segs_.size() && !done_ && expected_ <= opt_.until_lsn; ++i) {
    last_read_ = i;
    if (Status st = read_segment(i); !st.ok()) return st;
  }
  report_.end_lsn = expected_ - 1;
  if (below_end_lsn_min()) return ends_too_early("the end of " + segs_[last_read_].name);
  return report_;
}

Status Reader::ends_too_early(const std::string& where) const {
  return Status(Code::kLogTooShort, "the log in " + dir_ + " ends at lsn " +
                                        std::to_string(expected_ - 1) +
                                        " (" + where + "), below lsn " +
                                        std::to_string(opt_.end_lsn_min));
}

Status Reader::refuse_damage(const std::string& what, std::string_view dropped) const {
  return Status(Code::kCorruption, what + "; " + std::string(opt_.damage_consequence) +
                                       ", point-in-time recovery would drop " +
                                       std::string(dropped));
}

Status Reader::read_segment(std::size_t i) {
  const SegmentInfo& seg = segs_[i];
  auto bytes = fs_.read_file(join_path(dir_, seg.name));
  if (!bytes.ok()) return bytes.status();
  std::string_view data = *bytes;
  ++report_.segments;
  auto first = decode_segment_header(data);
  if (!first || *first != seg.first_lsn) return handle_bad(i, data, 0, "bad segment header");
  if (seg.first_lsn != expected_) {
    return handle_bad(i, data, 0, "segment starts at lsn " + std::to_string(seg.first_lsn) +
                                      ", expected " + std::to_string(expected_));
  }
  const std::size_t zero_from = zero_fill_start(data);
  std::size_t offset = format::kSegmentHeaderBytes;
  while (offset < data.size()) {
    if (expected_ > opt_.until_lsn) {
      done_ = true;
      return Status::Ok();
    }
    if (offset >= zero_from) return zero_tail(i, data, offset);
    RecordView v;
    std::size_t n = 0;
    Parse p = parse_record(data, offset, &v, &n);
    if (p == Parse::kTruncated) return handle_bad(i, data, offset, "torn record");
    if (p == Parse::kBad) return handle_bad(i, data, offset, "bad record");
    if (v.lsn != expected_) {
      return handle_bad(i, data, offset, "record lsn " + std::to_string(v.lsn) + ", expected " +
                                             std::to_string(expected_));
    }
    if (report_.records++ == 0) report_.first_lsn = v.lsn;
    report_.last_lsn = v.lsn;
    ++expected_;
    if (v.lsn >= opt_.from_lsn) {
      ++report_.delivered;
      Status st = visit_(RecordRef{v.lsn, v.time_ms, v.type, v.payload, seg.name, offset});
      if (!st.ok()) return st;
    }
    offset += n;
  }
  return Status::Ok();
}

Status Reader::handle_bad(std::size_t i, std::string_view data, std::uint64_t offset,
                          const std::string& why) {
  const std::string where = join_path(dir_, segs_[i].name) + " at offset " + std::to_string(offset);
  if (opt_.policy == RecoveryPolicy::kStrict) {
    return Status(Code::kCorruption, why + " in " + where);
  }
  if (opt_.policy == RecoveryPolicy::kTruncateTail) {
    if (i + 1 != segs_.size()) {
      return refuse_damage(why + " in " + where + " (not the last segment)", "everything after");
    }
    if (count_valid_after(data, offset + 1, expected_, true) > 0) {
      return refuse_damage(why + " in " + where + " with valid records after it", "them");
    }
  }
  return cut(i, data, offset, why);
}

Status Reader::cut(std::size_t i, std::string_view data, std::uint64_t offset,
                   const std::string& why) {
  // Checked before anything is renamed or truncated: a refusal must leave the log as it was.
  if (below_end_lsn_min()) {
    return ends_too_early(why + " in " + segs_[i].name + " at offset " + std::to_string(offset));
  }
  done_ = true;
  report_.cut = true;
  report_.cut_file = segs_[i].name;
  report_.cut_offset = offset;
  report_.bytes_dropped = std::max(zero_fill_start(data), offset) - offset;
  report_.records_dropped = count_valid_after(data, offset + 1, expected_, false);
  std::vector<std::size_t> aside;  // whole files set aside: a bad header, and later segments
  if (offset == 0) aside.push_back(i);
  for (std::size_t j = i + 1; j < segs_.size(); ++j) {
    auto later = fs_.read_file(join_path(dir_, segs_[j].name));
    if (!later.ok()) return later.status();
    report_.bytes_dropped += zero_fill_start(*later);
    report_.records_dropped += count_valid_after(*later, 0, expected_, false);
    aside.push_back(j);
  }
  // The damaged record at the cut is dropped too, and is not in records_dropped (which counts
  // only records that still check out): the note names its LSN so that "0 records" is never
  // read as nothing lost (probe 34a).
  report_.notes.push_back(std::string(opt_.repair ? "cut " : "would cut ") + why + " in " +
                          segs_[i].name + " at offset " + std::to_string(offset) + ": " +
                          std::to_string(report_.bytes_dropped) + " bytes from lsn " +
                          std::to_string(expected_) + " on dropped (the damaged record and " +
                          std::to_string(report_.records_dropped) + " valid records after it)");
  if (!opt_.repair) return Status::Ok();
  // Set whole files aside rather than delete them: an operator may want to look at them.
  // Every name is found before the first rename, so a refusal renames nothing.
  std::vector<std::pair<std::string, std::string>> renames;
  for (std::size_t j : aside) {
    std::string from = join_path(dir_, segs_[j].name);
    auto to = set_aside_name(fs_, from, format::kDroppedSuffix);
    if (!to.ok()) return to.status();
    renames.emplace_back(std::move(from), std::move(*to));
  }
  for (const auto& [from, to] : renames) {
    if (Status st = fs_.rename(from, to); !st.ok()) return st;
  }
  if (offset != 0) {
    if (Status st = fs_.truncate(join_path(dir_, segs_[i].name), offset); !st.ok()) return st;
  }
  return fs_.sync_dir(dir_);
}

// data[offset..] is zero fill: a clean end of segment i's data (see reader.h).
Status Reader::zero_tail(std::size_t i, std::string_view data, std::uint64_t offset) {
  const std::uint64_t bytes = data.size() - offset;
  report_.zero_tail_bytes += bytes;
  const bool newest = i + 1 == segs_.size();
  if (newest) {
    report_.newest_tail_file = segs_[i].name;
    report_.newest_tail_offset = offset;
    report_.newest_tail_bytes = bytes;
  }
  if (!opt_.repair || opt_.policy == RecoveryPolicy::kStrict || newest || below_end_lsn_min()) {
    return Status::Ok();
  }
  if (Status st = fs_.truncate(join_path(dir_, segs_[i].name), offset); !st.ok()) return st;
  report_.zero_tail_bytes_trimmed += bytes;
  return Status::Ok();
}

}  // namespace

Result<ReadReport> read_wal(FileSystem& fs, const std::string& dir, const ReadOptions& options,
                            RecordVisitor visit) {
  Reader reader(fs, dir, options, visit);
  return reader.run();
}

Status trim_newest_zero_tail(FileSystem& fs, const std::string& dir, ReadReport& report) {
  if (report.newest_tail_file.empty()) return Status::Ok();
  const std::string path = join_path(dir, report.newest_tail_file);
  if (Status st = fs.truncate(path, report.newest_tail_offset); !st.ok()) return st;
  report.zero_tail_bytes_trimmed += report.newest_tail_bytes;
  report.newest_tail_file.clear();
  return Status::Ok();
}

}  // namespace codeledger::wal
