#include "wal/record.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "wal/format.h"

namespace codeledger::wal {
namespace {

TEST(Record, SegmentNamesSortByLsnAndParseBack) {
  EXPECT_EQ(segment_name(1), "wal-0000000000000001.log");
  EXPECT_EQ(segment_name(0xabc), "wal-0000000000000abc.log");
  EXPECT_EQ(parse_segment_name("wal-0000000000000abc.log"), 0xabcu);
  EXPECT_FALSE(parse_segment_name("wal-000000000000abc.log"));
  EXPECT_FALSE(parse_segment_name("wal-0000000000000ABC.log"));
  EXPECT_FALSE(parse_segment_name("wal-0000000000000abc.log.dropped"));
  EXPECT_EQ(parse_snapshot_name(snapshot_name(77)), 77u);
}

TEST(Record, RoundTrip) {
  std::string buf;
  encode_segment_header(5, buf);
  EXPECT_EQ(buf.size(), format::kSegmentHeaderBytes);
  EXPECT_EQ(decode_segment_header(buf), 5u);
  std::size_t at = begin_record(buf);
  buf += "payload";
  finish_record(buf, at, 5, -42, format::kRecordTypeData);
  RecordView v;
  std::size_t n = 0;
  ASSERT_EQ(parse_record(buf, at, &v, &n), Parse::kOk);
  EXPECT_EQ(n, format::kRecordHeaderBytes + 7);
  EXPECT_EQ(v.lsn, 5u);
  EXPECT_EQ(v.time_ms, -42);
  EXPECT_EQ(v.type, format::kRecordTypeData);
  EXPECT_EQ(v.payload, "payload");
}

TEST(Record, ZeroFillIsNotARecord) {
  std::string zeros(64, '\0');
  RecordView v;
  std::size_t n = 0;
  EXPECT_EQ(parse_record(zeros, 0, &v, &n), Parse::kBad);
}

TEST(Record, GarbageNeverParsesAndNeverCrashes) {
  std::mt19937 rng(1);
  std::string junk(4096, '\0');
  for (auto& c : junk) c = static_cast<char>(rng());
  for (std::size_t at = 0; at <= junk.size(); ++at) {
    RecordView v;
    std::size_t n = 0;
    EXPECT_NE(parse_record(junk, at, &v, &n), Parse::kOk);
  }
}

TEST(Record, HugeLengthIsBadNotAnAllocation) {
  std::string buf;
  std::size_t at = begin_record(buf);
  finish_record(buf, at, 1, 0, format::kRecordTypeData);
  std::uint32_t huge = 0xFFFFFFF0u;
  std::memcpy(buf.data() + format::kRecordLengthOffset, &huge, 4);
  RecordView v;
  std::size_t n = 0;
  EXPECT_EQ(parse_record(buf, 0, &v, &n), Parse::kBad);
}

}  // namespace
}  // namespace codeledger::wal
