#include "fixture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "wal/format.h"
#include "wal/reader.h"
#include "wal/writer.h"

namespace codeledger::tools::testing {
namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string ledgerctl_path() {
  if (const char* dir = std::getenv("CODELEDGER_BIN_DIR"))
    return std::string(dir) + "/tools/ledgerctl";
  // Run by hand: the test binary lives in <build>/tests.
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "tools" /
          "ledgerctl")
      .string();
}

}  // namespace

RunResult run_ledgerctl(const std::vector<std::string>& args) {
  const std::string err_path = make_temp_dir() + "/stderr";
  std::string cmd = shell_quote(ledgerctl_path());
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>" + shell_quote(err_path);
  RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_file(err_path);
  std::filesystem::remove_all(std::filesystem::path(err_path).parent_path());
  return r;
}

std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ledgerctl-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  return tmpl;
}

CraftedLog::CraftedLog(const std::vector<CraftedEvent>& events) : dir_(make_temp_dir() + "/data") {
  std::filesystem::create_directory(dir_);
  wal::WalOptions o;
  o.dir = dir_;
  o.preallocate = false;
  auto w = wal::WalWriter::open(wal::posix_fs(), o, 1);
  if (!w.ok()) {
    ADD_FAILURE() << w.status().message();
    return;
  }
  std::int64_t t = kStartMs;
  for (const CraftedEvent& en : events) {
    t += kStepMs;
    auto lsn = (*w)->append(wal::format::kRecordTypeData, t,
                            [&](std::uint64_t lsn, std::int64_t time_ms, std::string& out) {
                              ledger::Event e;
                              e.header = {lsn, time_ms, kOrg, en.api_key, en.dialect};
                              e.body = en.body;
                              ledger::encode_event(e, out);
                            });
    EXPECT_TRUE(lsn.ok());
  }
  EXPECT_TRUE((*w)->flush().ok());
  EXPECT_TRUE((*w)->close().ok());
}

CraftedLog::~CraftedLog() {
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(dir_).parent_path(), ec);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const LedgerHistory& LedgerHistory::get() {
  static const LedgerHistory h;
  return h;
}

const Step& LedgerHistory::step(const std::string& what) const {
  for (const auto& s : steps_) {
    if (s.what == what) return s;
  }
  ADD_FAILURE() << "no step " << what;
  return steps_.front();
}

std::string LedgerHistory::segment_name(std::size_t i) const {
  auto segs = wal::list_segments(wal::posix_fs(), dir_);
  EXPECT_TRUE(segs.ok() && segs->size() > i);
  return segs.ok() && segs->size() > i ? (*segs)[i].name : "";
}

LedgerHistory::LedgerHistory() : dir_(make_temp_dir() + "/data") {
  store::StoreOptions o;
  o.data_dir = dir_;
  o.wal.segment_bytes_max = 4096;   // several segments
  o.snapshot_on_close = false;  // the only snapshot is the one taken in the middle
  o.orgs = {{kOrg, {}}, {kOtherOrg, {}}};
  o.clock_ms = [] { return kStartMs; };
  auto s = store::Store::open(std::move(o));
  if (!s.ok()) {
    ADD_FAILURE() << s.status().message();
    return;
  }
  run(**s);
  EXPECT_TRUE((*s)->close().ok());
}

// CODELEDGER_KEEP_TOOLS_DATA=1 keeps the data directory for a look by hand (the example
// session in docs/ledgerctl.md was run on it).
LedgerHistory::~LedgerHistory() {
  if (std::getenv("CODELEDGER_KEEP_TOOLS_DATA") != nullptr) {
    std::fprintf(stderr, "kept %s\n", dir_.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(dir_).parent_path(), ec);
}

void LedgerHistory::record(store::Store& s, const std::string& what, std::int64_t time_ms) {
  const std::uint64_t lsn = s.ledger().last_lsn();
  EXPECT_TRUE(s.wait_durable(lsn).ok());
  steps_.push_back({what, lsn, time_ms, s.ledger().state_hash()});
}

std::string copy_of_history() {
  const std::string copy = make_temp_dir() + "/data";
  std::filesystem::copy(LedgerHistory::get().data_dir(), copy);
  return copy;
}

std::string copy_with_damaged_segment(std::size_t index) {
  const std::string copy = copy_of_history();
  std::fstream f(copy + "/" + LedgerHistory::get().segment_name(index),
                 std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(100);  // inside its first record (28-byte segment header + 28-byte record header)
  char c = 0;
  f.get(c);
  f.seekp(100);
  f.put(static_cast<char>(c ^ 0x10));
  return copy;
}

}  // namespace codeledger::tools::testing
