// `ledgerctl wal dump` and `wal verify` over a data directory the real Store wrote.
#include <filesystem>
#include <fstream>

#include "fixture.h"

namespace codeledger::tools::testing {
namespace {

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
  const auto& h = LedgerHistory::get();
  const std::string copy = make_temp_dir() + "/data";
  std::filesystem::copy(h.data_dir(), copy);
  const std::string seg = h.segment_name(0);
  {
    std::fstream f(copy + "/" + seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(
        100);  // inside the first record's payload (28-byte segment header + 28-byte record header)
    char c = 0;
    f.get(c);
    f.seekp(100);
    f.put(static_cast<char>(c ^ 0x10));
  }
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

}  // namespace
}  // namespace codeledger::tools::testing
