// Helpers shared by the wal tests: a payload that names its LSN, and reading a log back.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wal/reader.h"
#include "wal/writer.h"

namespace codeledger::wal::testing {

inline const std::string kDir = "/data/wal";

// Deterministic payload for an LSN, of varying length, so a record at the wrong place or
// with the wrong bytes is caught.
inline std::string payload_for(std::uint64_t lsn) {
  std::string p = "event-" + std::to_string(lsn) + "-";
  p.append(lsn % 23, static_cast<char>('a' + lsn % 26));
  return p;
}

struct ReadBack {
  Status status;
  ReadReport report;
  std::vector<std::uint64_t> lsns;
  std::vector<std::string> payloads;
};

inline ReadBack read_all(FileSystem& fs, RecoveryPolicy policy, std::uint64_t from_lsn = 1,
                         bool repair = true, const std::string& dir = kDir) {
  ReadBack out;
  ReadOptions o;
  o.policy = policy;
  o.from_lsn = from_lsn;
  o.repair = repair;
  auto r = read_wal(fs, dir, o, [&](const RecordRef& rec) {
    out.lsns.push_back(rec.lsn);
    out.payloads.emplace_back(rec.payload);
    return Status::Ok();
  });
  out.status = r.status();
  if (r.ok()) out.report = *r;
  return out;
}

inline Result<std::uint64_t> append_payload(WalWriter& w, std::int64_t time_ms = 1000) {
  return w.append(format::kRecordTypeData, time_ms,
                  [](std::uint64_t lsn, std::int64_t, std::string& out) { out += payload_for(lsn); });
}

// FaultFs keeps every file in memory, preallocated zeros included: 1 MiB segments keep the
// tests quick while still holding thousands of records.
inline constexpr std::uint64_t kTestSegmentBytes = 1u << 20;

inline WalOptions options_for(Durability d = Durability::kSync, bool preallocate = true) {
  WalOptions o;
  o.dir = kDir;
  o.durability = d;
  o.preallocate = preallocate;
  o.segment_bytes_max = kTestSegmentBytes;
  return o;
}

// Suites that run in both writer modes take this parameter: true = preallocated segments.
inline std::string mode_name(const ::testing::TestParamInfo<bool>& info) {
  return info.param ? "Preallocated" : "Appended";
}

}  // namespace codeledger::wal::testing
