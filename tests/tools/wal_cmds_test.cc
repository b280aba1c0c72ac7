// `ledgerctl wal dump` and `wal verify` over a data directory the real Store wrote.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fixture.h"
#include "wal/crc32c.h"
#include "wal/format.h"

namespace codeledger::tools::testing {
namespace {

// A snapshot's file name as the store writes it: snap-<covered LSN, 16 hex digits>.snap.
std::string snapshot_file_name(std::uint64_t lsn) {
  char name[64];
  std::snprintf(name, sizeof name, "snap-%016llx.snap", static_cast<unsigned long long>(lsn));
  return name;
}

std::size_t count_containing(const std::vector<std::string>& lines, const std::string& what) {
  std::size_t n = 0;
  for (const auto& l : lines) n += l.find(what) != std::string::npos;
  return n;
}

TEST(WalDump, ShowsEveryEventWithKeyDialectAndFields) {
  const auto& h = LedgerHistory::get();
  auto r = run_ledgerctl({"wal", "dump", "--data-dir", h.data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), h.steps().back().lsn);
  EXPECT_EQ(lines[0].rfind("lsn 1  2023-11-14T22:14:20.000Z  org 7  key admin-1  admin  "
                           "promotion_created",
                           0),
            0u)
      << lines[0];
  EXPECT_NE(lines[2].find("key checkout-eu  capillary  code_linked mode=DISCOUNT "
                          "code=SPRING100001 customer=42"),
            std::string::npos)
      << lines[2];
  EXPECT_EQ(count_containing(lines, "altcraft  code_unlinked"), 1u);
  // Every field of the promotion's spec, earnValidityMs too (probe 33: an update of it alone
  // showed no change in the audit dump).
  EXPECT_NE(lines[0].find(" per_customer_earns_max=0 earn_validity_ms=0"), std::string::npos)
      << lines[0];
  auto json = run_ledgerctl({"wal", "dump", "--json", "--to-lsn", "1", "--data-dir", h.data_dir()});
  EXPECT_NE(json.out.find("\"per_customer_earns_max\":0,\"earn_validity_ms\":0"), std::string::npos)
      << json.out;
}

TEST(WalDump, JsonLinesCarryHeaderAndBody) {
  const auto& h = LedgerHistory::get();
  auto r = run_ledgerctl(
      {"wal", "dump", "--json", "--from-lsn", "4", "--to-lsn", "5", "--data-dir", h.data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("{\"lsn\":4,\"time\":\"2023-11-14T22:17:20.000Z\",\"time_ms\":"
                           "1700000240000,\"org\":7,\"api_key\":\"checkout-eu\",\"dialect\":"
                           "\"capillary\",\"type\":\"redeemed\"",
                           0),
            0u)
      << lines[0];
  EXPECT_NE(lines[0].find("\"transaction_identifier\":\"T-1\""), std::string::npos);
  EXPECT_NE(lines[1].find("\"type\":\"redemption_reversed\""), std::string::npos);
}

TEST(WalDump, FiltersByOrgCodeAndTime) {
  const auto& h = LedgerHistory::get();
  auto org = lines_of(run_ledgerctl({"wal", "dump", "--org", "8", "--data-dir", h.data_dir()}).out);
  EXPECT_EQ(org.size(), h.steps().back().lsn - h.step("unlink2").lsn);
  EXPECT_EQ(count_containing(org, "org 7 "), 0u);

  auto code = lines_of(
      run_ledgerctl({"wal", "dump", "--code", "SPRING100001", "--data-dir", h.data_dir()}).out);
  ASSERT_EQ(code.size(), 4u);  // imported, linked, redeemed, reversed
  EXPECT_NE(code[0].find("codes_added"), std::string::npos);
  EXPECT_NE(code[3].find("redemption_reversed"), std::string::npos);

  // The reversal is found even when the range starts after the redemption.
  auto late = lines_of(run_ledgerctl({"wal", "dump", "--code", "SPRING100001", "--from-lsn", "5",
                                      "--data-dir", h.data_dir()})
                           .out);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_NE(late[0].find("redemption_reversed"), std::string::npos);

  auto timed = lines_of(run_ledgerctl({"wal", "dump", "--since", "2023-11-14T22:16:20Z", "--until",
                                       "2023-11-14T22:17:20Z", "--data-dir", h.data_dir()})
                            .out);
  ASSERT_EQ(timed.size(), 2u);
  EXPECT_NE(timed[0].find("code_linked"), std::string::npos);
  EXPECT_NE(timed[1].find("redeemed"), std::string::npos);
}

TEST(WalVerify, CleanLogPasses) {
  auto r = run_ledgerctl({"wal", "verify", "--data-dir", LedgerHistory::get().data_dir()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("wal ok: "), std::string::npos) << r.out;
}

TEST(WalVerify, BitFlipFailsNamingFileAndOffset) {
  const std::string copy = copy_with_damaged_segment(0);
  const std::string seg = LedgerHistory::get().segment_name(0);
  auto r = run_ledgerctl({"wal", "verify", "--data-dir", copy});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("BAD wal: bad record in " + copy + "/" + seg + " at offset 28"),
            std::string::npos)
      << r.out;
  // dump refuses the damaged log too (exit 1), after printing nothing it cannot trust.
  auto dump = run_ledgerctl({"wal", "dump", "--data-dir", copy});
  EXPECT_EQ(dump.exit_code, 1) << dump.err;
  EXPECT_NE(dump.err.find(seg), std::string::npos) << dump.err;
  std::filesystem::remove_all(std::filesystem::path(copy).parent_path());
}

// A record of a type the store never writes, with a checksum that holds: verify and dump
// refuse it, naming it (they used to pass and show it, and the server applied it; probe 34a).
TEST(WalVerify, ARecordOfAnotherTypeIsRefusedEvenWithAGoodChecksum) {
  const std::string copy = copy_of_history();
  const std::string seg = LedgerHistory::get().segment_name(0);
  {
    std::fstream f(copy + "/" + seg, std::ios::in | std::ios::out | std::ios::binary);
    std::string image((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    constexpr std::size_t kRecord = wal::format::kSegmentHeaderBytes;
    std::uint32_t payload_bytes = 0;
    std::memcpy(&payload_bytes, image.data() + kRecord + wal::format::kRecordLengthOffset, 4);
    image[kRecord + wal::format::kRecordTypeOffset] = 2;
    const std::size_t covered = wal::format::kRecordHeaderBytes + payload_bytes -
                                wal::format::kRecordCrcCoverOffset;
    const std::uint32_t crc =
        wal::crc32c(image.data() + kRecord + wal::format::kRecordCrcCoverOffset, covered);
    std::memcpy(image.data() + kRecord + wal::format::kRecordCrcOffset, &crc, 4);
    f.seekp(0);
    f.write(image.data(), static_cast<std::streamsize>(image.size()));
  }
  const std::string why = "record lsn 1 in " + copy + "/" + seg + " at offset 28 has type 2";
  auto r = run_ledgerctl({"wal", "verify", "--data-dir", copy});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("BAD wal: " + why), std::string::npos) << r.out;
  auto dump = run_ledgerctl({"wal", "dump", "--data-dir", copy});
  EXPECT_EQ(dump.exit_code, 1) << dump.err;
  EXPECT_NE(dump.err.find("record lsn 1 in " + seg + " at offset 28 has type 2"), std::string::npos)
      << dump.err;
  std::filesystem::remove_all(std::filesystem::path(copy).parent_path());
}

// A snapshot whose checksums hold but whose payload does not decode (here: payload version
// 2): the server skips it and `snapshot inspect` says so, but `wal verify` checked only the
// header, size, checksums and name and passed it (exit 0; probe 34a).
TEST(WalVerify, ASnapshotThatDoesNotDecodeIsBadEvenWithGoodChecksums) {
  const auto& h = LedgerHistory::get();
  const std::string copy = copy_of_history();
  const std::string snap = copy + "/" + snapshot_file_name(h.snapshot_lsn());
  {
    std::fstream f(snap, std::ios::in | std::ios::out | std::ios::binary);
    std::string image((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    constexpr std::size_t kHeader = wal::format::kSnapshotHeaderBytes;
    ASSERT_GT(image.size(), kHeader);
    ASSERT_EQ(image[kHeader], 1);  // the payload's version byte
    image[kHeader] = 2;
    const std::uint32_t payload_crc = wal::crc32c(image.data() + kHeader, image.size() - kHeader);
    std::memcpy(image.data() + 40, &payload_crc, 4);  // header: payload_crc at 40
    const std::uint32_t header_crc =
        wal::crc32c(image.data(), wal::format::kSnapshotHeaderCrcOffset);
    std::memcpy(image.data() + wal::format::kSnapshotHeaderCrcOffset, &header_crc, 4);
    f.seekp(0);
    f.write(image.data(), static_cast<std::streamsize>(image.size()));
  }
  auto inspect = run_ledgerctl({"snapshot", "inspect", snap});
  EXPECT_EQ(inspect.exit_code, 1) << inspect.out;
  EXPECT_NE(inspect.out.find("checksum     ok"), std::string::npos) << inspect.out;  // crafted right
  EXPECT_NE(inspect.out.find("does not decode: unknown snapshot version 2"), std::string::npos)
      << inspect.out;
  auto r = run_ledgerctl({"wal", "verify", "--data-dir", copy});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("BAD snapshot " + snap + ": does not decode: unknown snapshot version 2"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("wal ok: "), std::string::npos) << r.out;  // the log itself is fine
  std::filesystem::remove_all(std::filesystem::path(copy).parent_path());
}

// ledgerctl.md, "wal verify": a snapshot is checked "as the server's start-up does: header
// checksum, size, payload checksum, that the header's covered LSN is the one in the file name".
TEST(WalVerify, ASnapshotWithABadChecksumOrAnotherLsnInItsNameIsBad) {
  const auto& h = LedgerHistory::get();
  const std::string name = snapshot_file_name(h.snapshot_lsn());
  const std::string renamed = snapshot_file_name(h.snapshot_lsn() + 1);
  const std::string copy = copy_of_history();
  {
    std::fstream f(copy + "/" + name, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(wal::format::kSnapshotHeaderBytes + 4);  // a payload byte, its checksum left as it was
    char c = 0;
    f.get(c);
    f.seekp(wal::format::kSnapshotHeaderBytes + 4);
    f.put(static_cast<char>(c ^ 0x01));
  }
  auto flipped = run_ledgerctl({"wal", "verify", "--data-dir", copy});
  EXPECT_EQ(flipped.exit_code, 1) << flipped.out << flipped.err;
  EXPECT_NE(flipped.out.find("BAD snapshot " + copy + "/" + name + ": payload checksum mismatch"), std::string::npos)
      << flipped.out;
  std::filesystem::copy_file(h.data_dir() + "/" + name, copy + "/" + renamed);
  std::filesystem::remove(copy + "/" + name);
  auto misnamed = run_ledgerctl({"wal", "verify", "--data-dir", copy});
  EXPECT_EQ(misnamed.exit_code, 1) << misnamed.out << misnamed.err;
  EXPECT_NE(misnamed.out.find("BAD snapshot " + copy + "/" + renamed + ": covered lsn " +
                              std::to_string(h.snapshot_lsn()) + " does not match the file name"),
            std::string::npos)
      << misnamed.out;
  std::filesystem::remove_all(std::filesystem::path(copy).parent_path());
}

TEST(WalVerify, MissingDirectoryIsAnIoError) {
  auto r = run_ledgerctl({"wal", "verify", "--data-dir", "/nonexistent/ledgerctl"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

TEST(Ledgerctl, UsageErrorsExitTwo) {
  EXPECT_EQ(run_ledgerctl({}).exit_code, 2);
  EXPECT_EQ(run_ledgerctl({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_ledgerctl({"wal", "dump", "--bogus"}).exit_code, 2);
  EXPECT_EQ(run_ledgerctl({"replay"}).exit_code, 2);
  auto bad_time = run_ledgerctl({"wal", "dump", "--since", "yesterday"});
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_NE(bad_time.err.find("expected an ISO time"), std::string::npos) << bad_time.err;
  EXPECT_EQ(run_ledgerctl({"--help"}).exit_code, 0);
}

// `ledgerctl <command> --help` used to fail with "unknown flag --help" (exit 2).
TEST(Ledgerctl, HelpAfterAnyCommandPrintsUsageAndExitsZero) {
  for (std::vector<std::string> cmd :
       {std::vector<std::string>{"wal", "dump", "--help"}, {"wal", "verify", "-h"},
        {"replay", "--help"}, {"history", "--help"}, {"snapshot", "inspect", "--help"},
        {"keys", "add", "--help"}, {"keys", "--help"}}) {
    auto r = run_ledgerctl(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd[0] << ": " << r.err;
    EXPECT_NE(r.out.find("usage: ledgerctl"), std::string::npos) << cmd[0] << ": " << r.out;
  }
}

// A torn tail is left alone, but dump's closing line said "cut <file> at offset N, dropped M
// bytes", as if ledgerctl had truncated the segment.
TEST(WalDump, TornTailSummaryDoesNotClaimACut) {
  const auto& h = LedgerHistory::get();
  const std::string tmp = make_temp_dir();
  const std::string data = tmp + "/data";
  std::filesystem::copy(h.data_dir(), data);
  std::string last;
  for (auto& e : std::filesystem::directory_iterator(data)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("wal-", 0) == 0 && e.path().string() > last) last = e.path().string();
  }
  ASSERT_FALSE(last.empty());
  const auto size = std::filesystem::file_size(last);
  std::filesystem::resize_file(last, size - 20);
  auto r = run_ledgerctl({"wal", "dump", "--data-dir", data});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto err = lines_of(r.err);
  ASSERT_FALSE(err.empty());
  EXPECT_EQ(err.back().find("; cut "), std::string::npos) << err.back();
  EXPECT_NE(err.back().find("not read, left as is"), std::string::npos) << err.back();
  EXPECT_EQ(std::filesystem::file_size(last), size - 20);
  std::filesystem::remove_all(tmp);
}

// `--code A --code B` used to keep only B (last one wins), silently.
TEST(Ledgerctl, RepeatedFlagIsAUsageError) {
  const auto& h = LedgerHistory::get();
  auto r = run_ledgerctl({"wal", "dump", "--code", "SPRING100001", "--code", "SPRING100002",
                          "--data-dir", h.data_dir()});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("--code given more than once"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// Each used to print no events and exit 0, as if nothing in the log qualified.
TEST(WalDump, FiltersThatCanNeverMatchAreErrors) {
  const auto& h = LedgerHistory::get();
  const std::vector<std::vector<std::string>> cases{
      {"--code", "x"},
      {"--mode", "DISCOUNT"},
      {"--since", "2023-11-14T22:20:00Z", "--until", "2023-11-14T22:19:00Z"}};
  for (auto args : cases) {
    args.insert(args.begin(), {"wal", "dump", "--data-dir", h.data_dir()});
    auto r = run_ledgerctl(args);
    EXPECT_EQ(r.exit_code, 2) << args[4] << ": " << r.out;
    EXPECT_EQ(r.out, "") << args[4];
  }
  auto crossed = run_ledgerctl({"wal", "dump", "--from-lsn", "5", "--to-lsn", "3", "--data-dir", h.data_dir()});
  EXPECT_EQ(crossed.exit_code, 2) << crossed.out;
  EXPECT_EQ(crossed.out, "");
  EXPECT_NE(crossed.err.find("--from-lsn"), std::string::npos) << crossed.err;
  // The message names the flag that was given, not a --from-lsn that was not.
  auto zero = run_ledgerctl({"wal", "dump", "--to-lsn", "0", "--data-dir", h.data_dir()});
  EXPECT_EQ(zero.exit_code, 2) << zero.out;
  EXPECT_NE(zero.err.find("--to-lsn 0 is below the first LSN, 1"), std::string::npos) << zero.err;
  // Probe 32: these two exited 0 with no events.
  auto no_org = run_ledgerctl({"wal", "dump", "--org", "0", "--data-dir", h.data_dir()});
  EXPECT_EQ(no_org.exit_code, 2) << no_org.out;
  EXPECT_NE(no_org.err.find("--org 0 is no organisation"), std::string::npos) << no_org.err;
  auto past = run_ledgerctl({"wal", "dump", "--from-lsn", "1000000", "--data-dir", h.data_dir()});
  EXPECT_EQ(past.exit_code, 2) << past.out;
  EXPECT_EQ(past.out, "");
  EXPECT_NE(past.err.find("the log ends at lsn "), std::string::npos) << past.err;
  EXPECT_NE(past.err.find("; --from-lsn 1000000 is past it"), std::string::npos) << past.err;
}

// 2023-02-31 used to roll over into March and be accepted as 2023-03-03.
TEST(Ledgerctl, ImpossibleCalendarDatesAreRejected) {
  const auto& h = LedgerHistory::get();
  for (const char* t : {"2023-02-29", "2023-02-31T00:00:00Z", "2023-04-31", "2023-11-31"}) {
    auto r = run_ledgerctl({"replay", "--until", t, "--data-dir", h.data_dir()});
    EXPECT_EQ(r.exit_code, 2) << t << ": " << r.out;
    EXPECT_NE(r.err.find("expected an ISO time"), std::string::npos) << t << ": " << r.err;
  }
  auto leap = run_ledgerctl({"wal", "dump", "--since", "2024-02-29", "--data-dir", h.data_dir()});
  EXPECT_EQ(leap.exit_code, 0) << leap.err;
}

}  // namespace
}  // namespace codeledger::tools::testing
