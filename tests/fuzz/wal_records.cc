// The log reader against segment files built from the input: valid records (crc right, the
// next LSN or a skewed one), raw bytes, zero runs and segment breaks, read with each policy.
// A crc stops random bytes at the first record, so the input describes structure and the
// target writes the records properly; the reader's own decisions (cut, refuse, zero tail,
// LSN order) are what gets explored.
//
// Properties: every delivered record is one the input wrote as valid, with that LSN, in
// LSN order without gaps; a strict read never reports a cut; after a repairing read that
// succeeded, a strict read succeeds and ends at the same LSN.
//
// Input: byte 0: policy (bits 0-1) and repair (bit 2); then chunks of
// [op][length][length bytes]: op % 5 = 0 a valid record with the next LSN, 1 a valid record
// whose LSN is skewed by the length's low bits, 2 the bytes raw, 3 length * 4 zero bytes,
// 4 a new segment starting at the next LSN.
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "wal/fault_fs.h"
#include "wal/reader.h"
#include "wal/record.h"
#include "tests/fuzz/fuzz_targets.h"

namespace codeledger::fuzz {
namespace {

constexpr std::string_view kDir = "/wal";
constexpr std::uint8_t kRecordType = 1;

struct Built {
  std::map<std::string, std::string> files;  // segment name -> bytes
  std::map<std::uint64_t, std::set<std::string>> valid;  // LSN -> every payload written with it
};

Built build(std::string_view in) {
  Built b;
  std::uint64_t next = 1;
  std::string* seg = &b.files[wal::segment_name(next)];
  wal::encode_segment_header(next, *seg);
  for (std::size_t i = 0; i + 2 <= in.size();) {
    const std::uint8_t op = static_cast<std::uint8_t>(in[i]) % 5;
    const std::size_t len = std::min<std::size_t>(static_cast<std::uint8_t>(in[i + 1]), in.size() - i - 2);
    const std::string_view bytes = in.substr(i + 2, len);
    i += 2 + len;
    if (op <= 1) {
      // next - 2 .. next + 1: a gap, a repeat, or (from LSN 1) a wrap to a huge LSN
      const std::uint64_t lsn = op == 0 ? next : next + (len % 4) - 2;
      const std::size_t at = wal::begin_record(*seg);
      seg->append(bytes);
      wal::finish_record(*seg, at, lsn, 0, kRecordType);
      b.valid[lsn].insert(std::string(bytes));
      if (op == 0) ++next;
    } else if (op == 2) {
      seg->append(bytes);
    } else if (op == 3) {
      seg->append(len * 4, '\0');
    } else if (!b.files.count(wal::segment_name(next))) {
      seg = &b.files[wal::segment_name(next)];
      wal::encode_segment_header(next, *seg);
    }
  }
  return b;
}

void write_files(wal::FaultFs& fs, const Built& b) {
  CL_FUZZ_CHECK(fs.create_dir(std::string(kDir)).ok(), "create_dir");
  for (const auto& [name, bytes] : b.files) {
    auto f = fs.open_append(std::string(kDir) + "/" + name, true);
    CL_FUZZ_CHECK(f.ok() && (*f)->append(bytes).ok() && (*f)->close().ok(), "write a segment");
  }
}

}  // namespace

int wal_records(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const Built b = build(in.substr(1));
  wal::FaultFs fs;
  write_files(fs, b);

  wal::ReadOptions options;
  options.policy = static_cast<wal::RecoveryPolicy>(data[0] % 3);
  options.repair = (data[0] & 4) != 0;
  std::uint64_t expected = 0;
  auto report = wal::read_wal(fs, std::string(kDir), options, [&](const wal::RecordRef& r) {
    CL_FUZZ_CHECK(expected == 0 || r.lsn == expected, "records delivered out of LSN order");
    const auto it = b.valid.find(r.lsn);
    CL_FUZZ_CHECK(it != b.valid.end() && it->second.count(std::string(r.payload)), "a record the input did not write");
    expected = r.lsn + 1;
    return wal::Status{};
  });
  if (!report.ok()) return 0;
  if (options.policy == wal::RecoveryPolicy::kStrict) CL_FUZZ_CHECK(!report->cut, "a strict read cut");
  if (!options.repair || options.policy == wal::RecoveryPolicy::kStrict) return 0;

  wal::ReadOptions strict;
  strict.policy = wal::RecoveryPolicy::kStrict;
  strict.repair = false;
  auto reread = wal::read_wal(fs, std::string(kDir), strict, [](const wal::RecordRef&) { return wal::Status{}; });
  CL_FUZZ_CHECK(reread.ok(), "a repaired log does not read strictly");
  CL_FUZZ_CHECK(reread->last_lsn == report->last_lsn, "a repaired log ends elsewhere");
  return 0;
}

std::vector<std::string> wal_records_seeds() {
  const std::string three_records = std::string("\x00\x05hello\x00\x03" "abc\x00\x01z", 14);
  return {
      std::string("\x04", 1) + three_records,                                     // truncate-tail, repair
      std::string("\x00", 1) + three_records,                                     // strict
      std::string("\x06", 1) + three_records + std::string("\x02\x03\x01\x02\x03", 5),  // point-in-time, junk tail
      std::string("\x04", 1) + three_records + std::string("\x03\x10", 2),        // zero tail
      std::string("\x04", 1) + three_records + std::string("\x04\x00", 2) + three_records,  // two segments
      std::string("\x05", 1) + three_records + std::string("\x01\x01q", 3),       // a skewed LSN
  };
}

}  // namespace codeledger::fuzz
