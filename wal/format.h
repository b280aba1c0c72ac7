// The on-disk format of the write-ahead log and of snapshot files, written down once.
// docs/wal-format.md gives the grammar, a worked example in bytes and the reasons.
// Every integer is little-endian. Nothing here knows what a payload means.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace codeledger::wal::format {

// ---- Segment files -------------------------------------------------------------------
// A segment is named by the LSN of its first record: "wal-" + 16 lowercase hex digits + ".log",
// so a plain directory listing sorted by name is sorted by LSN.
inline constexpr std::string_view kSegmentPrefix = "wal-";
inline constexpr std::string_view kSegmentSuffix = ".log";
inline constexpr std::size_t kSegmentNameDigits = 16;
// The next segment, zero-filled ahead of time to segment_bytes_max and fsynced; rotation
// writes its header and renames it to its segment name. Not a segment name, so readers,
// retention and snapshot pruning ignore it; a writer recreates it on open.
inline constexpr std::string_view kPreparedSegmentName = "wal-prepared.tmp";

// Segment header (segment_header_bytes):
//   0  magic        8 bytes  "CLWALSEG"
//   8  version      u32      segment_version
//  12  reserved     u32      zero
//  16  first_lsn    u64      equals the number in the file name
//  24  header_crc   u32      crc32c of bytes [0, 24)
inline constexpr std::string_view kSegmentMagic = "CLWALSEG";
inline constexpr std::uint32_t kSegmentVersion = 1;
inline constexpr std::size_t kSegmentHeaderBytes = 28;
inline constexpr std::size_t kSegmentHeaderCrcOffset = 24;

// ---- Records ------------------------------------------------------------------------
// Record header (record_header_bytes), followed by payload_bytes of payload:
//   0  crc          u32      crc32c of bytes [4, record_header_bytes + payload_bytes)
//   4  payload_bytes u32     at most record_payload_bytes_max
//   8  lsn          u64      previous record's lsn + 1 (the first one: segment first_lsn)
//  16  time_ms      i64      caller's clock, epoch milliseconds
//  24  type         u8       record_type_* (0 is never valid: a zero-filled tail is not a record)
//  25  reserved     3 bytes  zero
inline constexpr std::size_t kRecordHeaderBytes = 28;
inline constexpr std::size_t kRecordCrcOffset = 0;
inline constexpr std::size_t kRecordLengthOffset = 4;
inline constexpr std::size_t kRecordLsnOffset = 8;
inline constexpr std::size_t kRecordTimeOffset = 16;
inline constexpr std::size_t kRecordTypeOffset = 24;
inline constexpr std::size_t kRecordReservedOffset = 25;
inline constexpr std::size_t kRecordCrcCoverOffset = 4;  // the crc covers everything after itself

// A segment being written (or left unsealed by a crash) ends in zero fill: from a record
// boundary to the end of the file, nothing but 0x00 (preallocated space, a clean end).
inline constexpr std::uint8_t kRecordTypeInvalid = 0;
inline constexpr std::uint8_t kRecordTypeData = 1;      // an opaque payload from the layer above
inline constexpr std::uint8_t kRecordTypeUserMax = 127; // types above are reserved for wal/

// Limits. A payload above record_payload_bytes_max is refused at append and treated as
// corruption when read, so the reader never allocates from an unchecked length.
inline constexpr std::size_t kRecordPayloadBytesMax = 64u << 20;         // 64 MiB
inline constexpr std::size_t kRecordBytesMax = kRecordHeaderBytes + kRecordPayloadBytesMax;
inline constexpr std::uint64_t kSegmentBytesMaxDefault = 64ull << 20;    // 64 MiB
inline constexpr std::uint64_t kSegmentBytesMin = 4096;

// ---- Snapshot files -----------------------------------------------------------------
// "snap-" + 16 hex digits of the covered LSN + ".snap"; written as "<name>.tmp" first.
//   0  magic        8 bytes  "CLSNAPSH"
//   8  version      u32      snapshot_version
//  12  reserved     u32      zero
//  16  covered_lsn  u64      every record with lsn <= covered_lsn is inside the payload
//  24  time_ms      i64      caller's clock when the snapshot was taken
//  32  payload_bytes u64
//  40  payload_crc  u32      crc32c of the payload
//  44  header_crc   u32      crc32c of bytes [0, 44)
inline constexpr std::string_view kSnapshotPrefix = "snap-";
inline constexpr std::string_view kSnapshotSuffix = ".snap";
inline constexpr std::string_view kTempSuffix = ".tmp";
inline constexpr std::string_view kSnapshotMagic = "CLSNAPSH";
inline constexpr std::uint32_t kSnapshotVersion = 1;
inline constexpr std::size_t kSnapshotHeaderBytes = 48;
inline constexpr std::size_t kSnapshotHeaderCrcOffset = 44;
inline constexpr std::uint64_t kSnapshotPayloadBytesMax = 16ull << 30;   // 16 GiB

// ---- The lock file --------------------------------------------------------------------
// One server per data directory: it holds an flock on this file while it runs (wal/dir_lock.h),
// and keeps its pid in it for the refusal message. Neither a wal- nor a snap- name, so the
// log's and the snapshots' listings never see it.
inline constexpr std::string_view kLockFileName = "LOCK";

// Kept rather than deleted (wal/set_aside.h): segments point-in-time recovery cut away, and a
// snapshot file that failed its checks when a new snapshot of its LSN was written. A log
// rewritten after a cut reuses the cut segment's name, so a later set-aside of the same name
// gets a number after the suffix (".dropped.1", ...), never the earlier file's place.
inline constexpr std::string_view kDroppedSuffix = ".dropped";
inline constexpr std::string_view kCorruptSuffix = ".corrupt";
inline constexpr unsigned kSetAsideCopiesMax = 999;  // beyond: an error, nothing renamed

}  // namespace codeledger::wal::format
