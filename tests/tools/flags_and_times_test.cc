// The command line itself: flags a command does not use, and ISO times' fraction digits.
#include <filesystem>

#include "fixture.h"

namespace codeledger::tools::testing {
namespace {

struct Misuse {
  std::vector<std::string> args;
  std::string command;  // as the message names it
  std::string flag;
};

// `keys list --name x` used to list the keys and exit 0, as if --name had narrowed the list.
TEST(Flags, EveryCommandRefusesAFlagItDoesNotUse) {
  const auto& h = LedgerHistory::get();
  const std::string dir = make_temp_dir();
  const std::string config = dir + "/c.json";
  ASSERT_EQ(
      run_ledgerctl({"keys", "add", "--config", config, "--name", "a", "--org", "1"}).exit_code, 0);
  const std::string before = read_file(config);
  const std::string snap = h.data_dir() + "/snap-0000000000000003.snap";
  const std::vector<Misuse> cases{
      {{"keys", "list", "--config", config, "--name", "a"}, "keys list", "--name"},
      {{"keys", "list", "--config", config, "--org", "3"}, "keys list", "--org"},
      {{"keys", "revoke", "--config", config, "--name", "a", "--org", "1"}, "keys revoke", "--org"},
      {{"keys", "revoke", "--config", config, "--name", "a", "--scopes=read"}, "keys revoke",
       "--scopes"},
      {{"keys", "add", "--config", config, "--name", "b", "--org", "1", "--data-dir", "d"},
       "keys add", "--data-dir"},
      {{"wal", "verify", "--data-dir", h.data_dir(), "--json"}, "wal verify", "--json"},
      {{"wal", "dump", "--data-dir", h.data_dir(), "--summary"}, "wal dump", "--summary"},
      {{"replay", "--until", "3", "--data-dir", h.data_dir(), "--org", "7"}, "replay", "--org"},
      {{"history", "SPRING100001", "--data-dir", h.data_dir(), "--from-lsn", "3"}, "history",
       "--from-lsn"},
      {{"snapshot", "inspect", snap, "--data-dir", h.data_dir()}, "snapshot inspect",
       "--data-dir"},
  };
  for (const auto& c : cases) {
    auto r = run_ledgerctl(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.command << " " << c.flag << ": " << r.out << r.err;
    EXPECT_EQ(r.out, "") << c.command << " " << c.flag;
    EXPECT_NE(r.err.find("ledgerctl: " + c.command + " does not take " + c.flag),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("(ledgerctl --help for usage)"), std::string::npos) << r.err;
  }
  EXPECT_EQ(read_file(config), before);  // neither revoked nor added
  std::filesystem::remove_all(dir);
}

std::vector<std::string> dump_between(const std::string& since, const std::string& until) {
  return lines_of(run_ledgerctl({"wal", "dump", "--since", since, "--until", until, "--data-dir",
                                 LedgerHistory::get().data_dir()})
                      .out);
}

// `.5Z` and `.25Z` used to be refused: only exactly three fraction digits were read.
TEST(Times, OneToNineFractionDigitsAreAccepted) {
  for (const std::string f : {"5", "25", "250", "2500", "123456789"}) {
    // lsn 3 is at 22:16:20.000, lsn 4 at 22:17:20.000.
    auto lines = dump_between("2023-11-14T22:16:19." + f + "Z", "2023-11-14T22:17:20." + f + "Z");
    ASSERT_EQ(lines.size(), 2u) << f;
    EXPECT_NE(lines[0].find("lsn 3 "), std::string::npos) << lines[0];
  }
  // An offset after a short fraction: 22:16:19.5Z.
  EXPECT_EQ(dump_between("2023-11-15T03:46:19.5+05:30", "2023-11-14T22:16:20Z").size(), 1u);
}

TEST(Times, DigitsBeyondMillisecondsAreTruncated) {
  // Both ends fall to 22:16:20.000, the time of lsn 3; rounding would move them past it.
  auto lines = dump_between("2023-11-14T22:16:20.0009Z", "2023-11-14T22:16:20.000999999Z");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("lsn 3 "), std::string::npos) << lines[0];
}

TEST(Times, EmptyOrOverlongFractionIsRefused) {
  for (const char* t : {"2023-11-14T22:16:20.Z", "2023-11-14T22:16:20.+05:30",
                        "2023-11-14T22:16:20.1234567890Z", "2023-11-14T22:16:20.5x"}) {
    auto r = run_ledgerctl({"replay", "--until", t, "--data-dir", LedgerHistory::get().data_dir()});
    EXPECT_EQ(r.exit_code, 2) << t << ": " << r.out;
    EXPECT_NE(r.err.find("expected an ISO time"), std::string::npos) << t << ": " << r.err;
  }
}

}  // namespace
}  // namespace codeledger::tools::testing
