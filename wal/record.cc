#include "wal/record.h"

#include <bit>
#include <cstdio>
#include <cstring>

#include "wal/crc32c.h"
#include "wal/format.h"

namespace codeledger::wal {

static_assert(std::endian::native == std::endian::little,
              "the on-disk format is little-endian and the encoders copy host integers");

namespace {

std::string lsn_name(std::string_view prefix, std::uint64_t lsn, std::string_view suffix) {
  char digits[format::kSegmentNameDigits + 1];
  std::snprintf(digits, sizeof digits, "%016llx", static_cast<unsigned long long>(lsn));
  std::string s(prefix);
  s.append(digits, format::kSegmentNameDigits);
  s.append(suffix);
  return s;
}

std::optional<std::uint64_t> parse_lsn_name(std::string_view name, std::string_view prefix,
                                            std::string_view suffix) {
  if (name.size() != prefix.size() + format::kSegmentNameDigits + suffix.size()) return {};
  if (!name.starts_with(prefix) || !name.ends_with(suffix)) return {};
  std::uint64_t v = 0;
  for (char c : name.substr(prefix.size(), format::kSegmentNameDigits)) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return {};
    v = v << 4 | static_cast<std::uint64_t>(d);
  }
  return v;
}

}  // namespace

void put_u32(std::string& out, std::uint32_t v) { out.append(reinterpret_cast<char*>(&v), 4); }
void put_u64(std::string& out, std::uint64_t v) { out.append(reinterpret_cast<char*>(&v), 8); }
std::uint32_t get_u32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
std::uint64_t get_u64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

std::string segment_name(std::uint64_t first_lsn) {
  return lsn_name(format::kSegmentPrefix, first_lsn, format::kSegmentSuffix);
}
std::optional<std::uint64_t> parse_segment_name(std::string_view name) {
  return parse_lsn_name(name, format::kSegmentPrefix, format::kSegmentSuffix);
}
std::string snapshot_name(std::uint64_t covered_lsn) {
  return lsn_name(format::kSnapshotPrefix, covered_lsn, format::kSnapshotSuffix);
}
std::optional<std::uint64_t> parse_snapshot_name(std::string_view name) {
  return parse_lsn_name(name, format::kSnapshotPrefix, format::kSnapshotSuffix);
}

void encode_segment_header(std::uint64_t first_lsn, std::string& out) {
  std::size_t start = out.size();
  out.append(format::kSegmentMagic);
  put_u32(out, format::kSegmentVersion);
  put_u32(out, 0);
  put_u64(out, first_lsn);
  put_u32(out, crc32c(out.data() + start, format::kSegmentHeaderCrcOffset));
}

std::optional<std::uint64_t> decode_segment_header(std::string_view b) {
  if (b.size() < format::kSegmentHeaderBytes) return {};
  if (b.substr(0, format::kSegmentMagic.size()) != format::kSegmentMagic) return {};
  if (get_u32(b.data() + format::kSegmentHeaderCrcOffset) !=
      crc32c(b.data(), format::kSegmentHeaderCrcOffset)) {
    return {};
  }
  if (get_u32(b.data() + 8) != format::kSegmentVersion || get_u32(b.data() + 12) != 0) return {};
  return get_u64(b.data() + 16);
}

std::size_t begin_record(std::string& out) {
  std::size_t offset = out.size();
  out.resize(offset + format::kRecordHeaderBytes);
  return offset;
}

void finish_record(std::string& out, std::size_t header_offset, std::uint64_t lsn,
                   std::int64_t time_ms, std::uint8_t type) {
  char* h = out.data() + header_offset;
  auto payload_bytes =
      static_cast<std::uint32_t>(out.size() - header_offset - format::kRecordHeaderBytes);
  std::memcpy(h + format::kRecordLengthOffset, &payload_bytes, 4);
  std::memcpy(h + format::kRecordLsnOffset, &lsn, 8);
  std::memcpy(h + format::kRecordTimeOffset, &time_ms, 8);
  h[format::kRecordTypeOffset] = static_cast<char>(type);
  std::memset(h + format::kRecordReservedOffset, 0, 3);
  std::uint32_t crc = crc32c(h + format::kRecordCrcCoverOffset,
                             format::kRecordHeaderBytes - format::kRecordCrcCoverOffset +
                                 payload_bytes);
  std::memcpy(h + format::kRecordCrcOffset, &crc, 4);
}

Parse parse_record(std::string_view data, std::size_t offset, RecordView* view,
                   std::size_t* record_bytes) {
  if (offset > data.size() || data.size() - offset < format::kRecordHeaderBytes) {
    return Parse::kTruncated;
  }
  const char* h = data.data() + offset;
  std::uint32_t payload_bytes = get_u32(h + format::kRecordLengthOffset);
  // Bound the length before using it: a flipped bit must not make us read or allocate 4 GiB.
  if (payload_bytes > format::kRecordPayloadBytesMax) return Parse::kBad;
  std::size_t total = format::kRecordHeaderBytes + payload_bytes;
  if (data.size() - offset < total) return Parse::kTruncated;
  std::uint32_t crc = crc32c(h + format::kRecordCrcCoverOffset,
                             total - format::kRecordCrcCoverOffset);
  if (crc != get_u32(h + format::kRecordCrcOffset)) return Parse::kBad;
  auto type = static_cast<std::uint8_t>(h[format::kRecordTypeOffset]);
  if (type == format::kRecordTypeInvalid) return Parse::kBad;
  if (h[25] != 0 || h[26] != 0 || h[27] != 0) return Parse::kBad;
  view->lsn = get_u64(h + format::kRecordLsnOffset);
  view->time_ms = static_cast<std::int64_t>(get_u64(h + format::kRecordTimeOffset));
  view->type = type;
  view->payload = std::string_view(h + format::kRecordHeaderBytes, payload_bytes);
  *record_bytes = total;
  return Parse::kOk;
}

std::size_t zero_fill_start(std::string_view data) {
  // Whole blocks first (memcmp is vectorised): a 64 MiB preallocated tail takes milliseconds.
  static constexpr std::size_t kBlock = 4096;
  static const char kZeros[kBlock] = {};
  std::size_t end = data.size();
  while (end >= kBlock && std::memcmp(data.data() + end - kBlock, kZeros, kBlock) == 0) {
    end -= kBlock;
  }
  while (end > 0 && data[end - 1] == '\0') --end;
  return end;
}

}  // namespace codeledger::wal
