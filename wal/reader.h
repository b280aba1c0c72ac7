// Reading the log back: every record across segments in LSN order, with a named policy for
// what to do with bytes that are not a valid record.
//
//   kStrict       any bad or torn record is an error naming file and offset; nothing changes.
//   kTruncateTail (start-up default) a torn or bad record that is the last thing in the last
//                 segment is cut off and reported (a crash mid-write leaves exactly that);
//                 a bad record with a valid record after it, or in an older segment, refuses
//                 with file and offset (that is damage, not a crash, and needs a human).
//   kPointInTime  (operator flag) keep the longest valid prefix: cut at the first bad record,
//                 set later segments aside as *.dropped, and report what was dropped.
//
// A record is valid when its crc matches, its length is within record_payload_bytes_max,
// its type is not 0 and its LSN is the previous one + 1. No other record is ever delivered.
//
// Zero fill: when every byte from a record boundary to the end of the segment file is zero
// (at least one byte), that is preallocated space the writer never reached: a clean end of
// the segment's data in every policy, never a cut. It appears in the newest segment, and in
// an older one when the process died before sealing it. A partly written record followed by
// zeros is not zero fill (its first bytes are not zero): it is a torn record as before.
// Repair (not kStrict) cuts the zero tail off segments older than the newest, which no
// writer touches again; the newest may be a live writer's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wal/file.h"
#include "wal/function_ref.h"
#include "wal/status.h"

namespace codeledger::wal {

enum class RecoveryPolicy : std::uint8_t { kStrict, kTruncateTail, kPointInTime };
std::string_view to_string(RecoveryPolicy p);  // "strict" | "truncate-tail" | "point-in-time"
std::optional<RecoveryPolicy> parse_recovery_policy(std::string_view s);

struct SegmentInfo {
  std::uint64_t first_lsn = 0;
  std::string name;
  std::uint64_t size_bytes = 0;
  std::int64_t mtime_ms = 0;
};
// Segment files of dir sorted by first LSN (other files are ignored).
Result<std::vector<SegmentInfo>> list_segments(FileSystem& fs, const std::string& dir);

struct ReadOptions {
  RecoveryPolicy policy = RecoveryPolicy::kTruncateTail;
  std::uint64_t from_lsn = 1;  // records below are checked only where their segment is read
  bool repair = true;          // false: report what the policy would cut, change nothing
  // Stop after this record and look no further: a live log may hold a half-written record
  // past it (background snapshots, `replay --until`).
  std::uint64_t until_lsn = UINT64_MAX;
  // The log must reach at least this LSN (0: no requirement); recovery passes the newest
  // snapshot's. A log that ends below it fails with kLogTooShort, before the read cuts,
  // trims or sets aside anything: the log lost records the caller already relies on, or
  // the two do not belong together, and only an operator can tell which. A directory with
  // no segment at all meets it (report.segments == 0): that is a restore from a snapshot
  // file alone, and the new log starts right after it.
  std::uint64_t end_lsn_min = 0;
  // What the caller does about damage before the tail, which kTruncateTail refuses: the
  // refusal says what is wrong and where, then this, then what point-in-time recovery would
  // drop. The default is the server's start-up; a read-only tool is not starting, and says
  // so in its own words (ledgerctl: "codeledgerd would refuse to start").
  std::string_view damage_consequence = "refusing to start";
};

struct RecordRef {
  std::uint64_t lsn = 0;
  std::int64_t time_ms = 0;
  std::uint8_t type = 0;
  std::string_view payload;
  std::string_view file;       // segment file name
  std::uint64_t offset = 0;    // of the record header in that file
};

struct ReadReport {
  std::uint64_t first_lsn = 0;   // first valid record read (0: none)
  std::uint64_t last_lsn = 0;    // last valid record (0: none)
  // Where the log ends: its last valid record, or one before the first LSN of a segment
  // that holds none (an empty newest segment after retention); 0 without any segment.
  std::uint64_t end_lsn = 0;
  std::uint64_t records = 0;     // valid records read
  std::uint64_t delivered = 0;   // of those, handed to the visitor (lsn >= from_lsn)
  std::uint64_t segments = 0;    // segment files read
  bool cut = false;              // something after last_lsn was (or would be) cut
  bool repaired = true;          // false: a report-only read (ReadOptions::repair), nothing cut
  std::string cut_file;
  std::uint64_t cut_offset = 0;
  std::uint64_t bytes_dropped = 0;   // of log data; a zero tail is not data and not counted
  std::uint64_t records_dropped = 0;  // valid-looking records found after the cut
  std::vector<std::string> notes;     // one line per thing the operator should know
  std::uint64_t zero_tail_bytes = 0;          // zero fill seen at segment ends (a clean end)
  std::uint64_t zero_tail_bytes_trimmed = 0;  // of that, cut off older segments by repair
  // The newest segment's zero tail, which no read trims (it may be a live writer's): its
  // file and where it starts; empty when it has none. See trim_newest_zero_tail().
  std::string newest_tail_file;
  std::uint64_t newest_tail_offset = 0;
  std::uint64_t newest_tail_bytes = 0;
  std::string summary() const;
};

// A visitor error stops the read and is returned as is.
using RecordVisitor = FunctionRef<Status(const RecordRef&)>;

Result<ReadReport> read_wal(FileSystem& fs, const std::string& dir, const ReadOptions& options,
                            RecordVisitor visit);

// Cuts the zero tail a read left on the newest segment (report.newest_tail_file; ftruncate +
// fsync) and counts it in zero_tail_bytes_trimmed. Only for a caller that holds the
// directory and starts a new segment next, after its recovery succeeded (the server's
// store): that segment is then never written again, and left alone its zeros stayed for
// good once a snapshot covered it, since start-up reads no segment a snapshot covers
// (probe 34a).
Status trim_newest_zero_tail(FileSystem& fs, const std::string& dir, ReadReport& report);

}  // namespace codeledger::wal
