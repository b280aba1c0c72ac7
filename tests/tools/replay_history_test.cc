// `replay --until`, `history` and `snapshot inspect` against the history the Store wrote.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "fixture.h"
#include "wal/file.h"
#include "wal/reader.h"

namespace codeledger::tools::testing {
namespace {

std::string hash_hex(std::uint64_t h) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, h);
  return buf;
}

std::string summary_hash(const RunResult& r) {
  auto at = r.out.find("state hash   ");
  return at == std::string::npos ? "" : r.out.substr(at + 13, 16);
}

TEST(Replay, UntilEveryLsnEqualsTheLiveLedgerAfterThatPrefix) {
  const auto& h = LedgerHistory::get();
  for (const auto& step : h.steps()) {
    auto r = run_ledgerctl(
        {"replay", "--until", std::to_string(step.lsn), "--summary", "--data-dir", h.data_dir()});
    ASSERT_EQ(r.exit_code, 0) << step.what << ": " << r.err;
    EXPECT_EQ(summary_hash(r), hash_hex(step.state_hash)) << step.what << "\n" << r.out;
    // Before the snapshot the WAL alone is replayed; at or after it, snapshot + WAL.
    const bool from_snapshot = step.lsn >= h.snapshot_lsn();
    EXPECT_EQ(r.err.find("from no snapshot") == std::string::npos, from_snapshot) << r.err;
  }
}

TEST(Replay, UntilTimeStopsAtTheLastEventNotAfterIt) {
  const auto& h = LedgerHistory::get();
  const Step& redeem = h.step("redeem");
  // Half a minute after the redemption: the reversal (a minute after) is not included.
  auto r = run_ledgerctl({"replay", "--until", "2023-11-14T22:17:50Z", "--data-dir", h.data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary_hash(r), hash_hex(redeem.state_hash)) << r.out;
  EXPECT_NE(r.out.find("last lsn     " + std::to_string(redeem.lsn)), std::string::npos);
  // Per-org summary: org 7 has 1 promotion, 10 codes, 1 linked code, 1 redemption.
  EXPECT_NE(r.out.find("7                     1           10            1            1"),
            std::string::npos)
      << r.out;
}

TEST(Replay, WriteSnapshotThenInspectShowsTheSameState) {
  const auto& h = LedgerHistory::get();
  const Step& step = h.step("unlink2");
  const std::string dir = make_temp_dir();
  const std::string file = dir + "/asof.snap";
  auto w = run_ledgerctl({"replay", "--until", std::to_string(step.lsn), "--write-snapshot", file,
                          "--data-dir", h.data_dir()});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_NE(w.out.find("state hash " + hash_hex(step.state_hash)), std::string::npos) << w.out;
  auto i = run_ledgerctl({"snapshot", "inspect", file});
  ASSERT_EQ(i.exit_code, 0) << i.err;
  EXPECT_NE(i.out.find("covered lsn  " + std::to_string(step.lsn) + "\n"), std::string::npos);
  EXPECT_NE(i.out.find("checksum     ok"), std::string::npos) << i.out;
  EXPECT_EQ(summary_hash(i), hash_hex(step.state_hash)) << i.out;
  std::filesystem::remove_all(dir);
}

// --write-snapshot used to rename over any existing file (a WAL segment of the data directory
// included) and to create missing parent directories, reporting success either way.
TEST(Replay, WriteSnapshotNeverReplacesAFileNorCreatesDirectories) {
  const auto& h = LedgerHistory::get();
  const std::string tmp = make_temp_dir();
  const std::string data = tmp + "/data";
  std::filesystem::copy(h.data_dir(), data);
  const std::string segment = data + "/" + h.segment_name(0);
  const std::string before = read_file(segment);
  auto over = run_ledgerctl(
      {"replay", "--until", "5", "--write-snapshot", segment, "--data-dir", data});
  EXPECT_EQ(over.exit_code, 2) << over.out;
  EXPECT_NE(over.err.find("already exists"), std::string::npos) << over.err;
  EXPECT_EQ(read_file(segment), before);
  EXPECT_EQ(run_ledgerctl({"wal", "verify", "--data-dir", data}).exit_code, 0);
  auto nodir = run_ledgerctl({"replay", "--until", "5", "--write-snapshot",
                              tmp + "/missing/x.snap", "--data-dir", data});
  EXPECT_EQ(nodir.exit_code, 2) << nodir.out;
  EXPECT_FALSE(std::filesystem::exists(tmp + "/missing"));
  auto empty = run_ledgerctl({"replay", "--until", "5", "--write-snapshot=", "--data-dir", data});
  EXPECT_EQ(empty.exit_code, 2) << empty.out;
  EXPECT_NE(empty.err.find("needs a file name"), std::string::npos) << empty.err;
  std::filesystem::remove_all(tmp);
}

TEST(Replay, BeyondTheEndOfTheLogIsAnError) {
  auto r =
      run_ledgerctl({"replay", "--until", "999999", "--data-dir", LedgerHistory::get().data_dir()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the log ends at lsn"), std::string::npos) << r.err;
}

// ledgerctl.md: "damage before the tail stops dump, history and replay with the file and
// offset (exit 1)"; history "prints what it read and then stops".
TEST(History, PrintsWhatItReadThenStopsAtDamage) {
  const auto& h = LedgerHistory::get();
  const auto clean = run_ledgerctl({"history", "SPRING100001", "--data-dir", h.data_dir()});
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  const std::string copy = copy_with_damaged_segment(1);  // after SPRING100001's events
  auto r = run_ledgerctl({"history", "SPRING100001", "--data-dir", copy});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, clean.out) << "the events read before the damage";
  EXPECT_NE(r.err.find(" record in " + copy + "/" + h.segment_name(1) + " at offset "), std::string::npos)
      << r.err;
  std::filesystem::remove_all(std::filesystem::path(copy).parent_path());
}

// The reader's refusal of damage before the tail said "refusing to start", the server's
// words, although a read-only tool is not starting (probe 39): each command that reads the
// log now says what is wrong, then what codeledgerd would do with it.
TEST(Ledgerctl, DamageBeforeTheTailSaysWhatTheServerWouldDoNotThatTheToolRefusesToStart) {
  const auto& h = LedgerHistory::get();
  const std::string copy = copy_with_damaged_segment(1);
  const std::string where = " record in " + copy + "/" + h.segment_name(1) + " at offset ";
  const std::string consequence =
      " (not the last segment); codeledgerd would refuse to start, point-in-time recovery would "
      "drop everything after\n";
  const std::vector<std::vector<std::string>> commands{
      {"wal", "dump"},
      {"history", "SPRING100001"},
      {"replay", "--until", std::to_string(h.steps().back().lsn)}};
  for (auto args : commands) {
    args.insert(args.end(), {"--data-dir", copy});
    auto r = run_ledgerctl(args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(where), std::string::npos) << args[0] << ": " << r.err;
    EXPECT_TRUE(r.err.ends_with(consequence)) << args[0] << ": " << r.err;
    EXPECT_EQ(r.err.find("refusing to start"), std::string::npos) << args[0] << ": " << r.err;
  }
  std::filesystem::remove_all(std::filesystem::path(copy).parent_path());
}

// ledgerctl.md: replay --until N "reads the log after [the snapshot], so damage ... after N
// does not stop it (exit 0)"; damage it has to read stops it (exit 1).
TEST(Replay, StopsAtDamageItReadsButNotAtDamagePastN) {
  const auto& h = LedgerHistory::get();
  const std::string copy = copy_with_damaged_segment(1);
  auto segs = wal::list_segments(wal::posix_fs(), copy);
  ASSERT_TRUE(segs.ok() && segs->size() >= 3);
  const std::uint64_t before_damage = (*segs)[1].first_lsn - 1;
  ASSERT_GE(before_damage, h.snapshot_lsn());
  auto short_of_it = run_ledgerctl({"replay", "--until", std::to_string(before_damage), "--data-dir", copy});
  EXPECT_EQ(short_of_it.exit_code, 0) << short_of_it.err;
  auto through_it = run_ledgerctl({"replay", "--until", std::to_string((*segs)[2].first_lsn), "--data-dir", copy});
  EXPECT_EQ(through_it.exit_code, 1) << through_it.out;
  EXPECT_NE(through_it.err.find(" record in " + copy + "/" + h.segment_name(1) + " at offset "), std::string::npos)
      << through_it.err;
  std::filesystem::remove_all(std::filesystem::path(copy).parent_path());
}

TEST(History, ListsLinkRedeemReverseWithKeyNames) {
  const auto& h = LedgerHistory::get();
  auto r = run_ledgerctl({"history", "SPRING100001", "--data-dir", h.data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;  // header + imported, linked, redeemed, reversed
  EXPECT_NE(lines[1].find("admin-1"), std::string::npos);
  EXPECT_NE(lines[1].find("imported  promotion"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("checkout-eu"), std::string::npos);
  EXPECT_NE(lines[2].find("42        linked    to customer 42"), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find("redeemed  transaction T-1 (number N-T-1), amount 5000, discount 500"),
            std::string::npos)
      << lines[3];
  EXPECT_NE(lines[4].find("checkout-us"), std::string::npos);
  EXPECT_NE(lines[4].find("reversed  transaction T-1"), std::string::npos) << lines[4];
}

TEST(History, UnlinkNamesTheCustomerAndFiltersApply) {
  const auto& h = LedgerHistory::get();
  auto r = run_ledgerctl({"history", "SPRING100002", "--json", "--org", "7", "--mode", "DISCOUNT",
                          "--data-dir", h.data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_NE(
      lines[2].find("\"api_key\":\"altcraft-1\",\"dialect\":\"altcraft\",\"type\":"
                    "\"code_unlinked\",\"change\":\"unlinked\",\"detail\":\"from customer 43\""),
      std::string::npos)
      << lines[2];
  auto other_org =
      run_ledgerctl({"history", "SPRING100002", "--org", "8", "--data-dir", h.data_dir()});
  EXPECT_EQ(lines_of(other_org.out).size(), 1u) << other_org.out;  // header only
  auto voucher = run_ledgerctl(
      {"history", "SPRING100002", "--mode", "PAYMENT_VOUCHER", "--data-dir", h.data_dir()});
  EXPECT_EQ(lines_of(voucher.out).size(), 1u) << voucher.out;
}

// History reaches back as far as the retained segments, and says so when that is not the
// first event: after retention removed a segment, and in a directory restored from a
// snapshot alone (no segment at all), which used to print no note (probe 32).
TEST(History, SaysWhenTheLogDoesNotReachTheFirstEvent) {
  const auto& h = LedgerHistory::get();
  const std::string tmp = make_temp_dir();
  const std::string dir = tmp + "/data";
  std::filesystem::copy(h.data_dir(), dir);
  std::vector<std::filesystem::path> segments;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("wal-") && name.ends_with(".log")) segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_GE(segments.size(), 2u);
  auto whole = run_ledgerctl({"history", "SPRING100001", "--data-dir", dir});
  EXPECT_EQ(whole.err.find("(the log begins at lsn"), std::string::npos) << whole.err;
  std::filesystem::remove(segments.front());
  auto retained = run_ledgerctl({"history", "SPRING100001", "--data-dir", dir});
  EXPECT_EQ(retained.exit_code, 0) << retained.err;
  EXPECT_NE(retained.err.find("(the log begins at lsn "), std::string::npos) << retained.err;
  for (const auto& s : segments) std::filesystem::remove(s);
  auto restored = run_ledgerctl({"history", "SPRING100001", "--data-dir", dir});
  EXPECT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_NE(restored.err.find("(the directory holds no log segment, only snapshots"),
            std::string::npos)
      << restored.err;
  std::filesystem::remove_all(tmp);
}

TEST(SnapshotInspect, NewestSnapshotShowsHeaderAndPerOrgCounts) {
  const auto& h = LedgerHistory::get();
  auto r = run_ledgerctl({"snapshot", "inspect", "--data-dir", h.data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("covered lsn  " + std::to_string(h.snapshot_lsn()) + "\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("checksum     ok"), std::string::npos);
  EXPECT_EQ(summary_hash(r), hash_hex(h.step("link").state_hash)) << r.out;
}

TEST(SnapshotInspect, CorruptPayloadExitsOne) {
  const auto& h = LedgerHistory::get();
  const std::string dir = make_temp_dir();
  char name[64];
  std::snprintf(name, sizeof name, "snap-%016" PRIx64 ".snap", h.snapshot_lsn());
  const std::string file = dir + "/" + name;
  std::filesystem::copy_file(h.data_dir() + "/" + name, file);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(60);  // inside the payload, after the 48-byte header
    f.put('\x7f');
  }
  auto r = run_ledgerctl({"snapshot", "inspect", file});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("checksum     BAD"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

// Organisation ids are any 64-bit number: a 20-digit id widens the org column instead of
// pushing its row's figures out from under their headings (probe 32).
TEST(Replay, SummaryColumnsStayUnderTheirHeadingsForAWideOrganisationId) {
  constexpr ledger::OrgId kWideOrg = 18446744073709551615ULL;
  const std::string dir = make_temp_dir() + "/data";
  {
    store::StoreOptions o;
    o.data_dir = dir;
    o.orgs = {{kWideOrg, {}}};
    o.clock_ms = [] { return kStartMs; };
    auto s = store::Store::open(std::move(o));
    ASSERT_TRUE(s.ok()) << s.status().message();
    ledger::Op op;
    op.org = kWideOrg;
    op.api_key = "admin";
    op.dialect = ledger::Dialect::kAdmin;
    op.now_ms = kStartMs;
    ledger::PromotionSpec spec;
    spec.name = "wide";
    ASSERT_TRUE((*s)->ledger().create_promotion(op, spec).ok());
    ASSERT_TRUE((*s)->close().ok());
  }
  auto r = run_ledgerctl({"replay", "--until", "1", "--summary", "--data-dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 2u) << r.out;
  // Each figure ends where its heading ends.
  const std::string& heading = lines[0];
  const std::string& row = lines[1];
  ASSERT_EQ(row.rfind("18446744073709551615 ", 0), 0u) << r.out;
  for (const std::string name : {"promotions", "codes", "customers"}) {
    const std::size_t end = heading.find(name) + name.size();
    ASSERT_LE(end, row.size()) << r.out;
    EXPECT_NE(row[end - 1], ' ') << name << "\n" << r.out;
    EXPECT_TRUE(end == row.size() || row[end] == ' ') << name << "\n" << r.out;
  }
  EXPECT_EQ(row.size(), heading.size()) << r.out;
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

}  // namespace
}  // namespace codeledger::tools::testing
