// fuzz_tests: every fuzz target (tests/fuzz/fuzz_targets.h) on its seeds, on the inputs kept
// in tests/fuzz/corpus/<target>/ (each one a past finding or an input worth keeping), then on
// a fixed number of mutations of those (a seeded generator: the same inputs every run). It
// runs in the sanitizer test build, so a memory error is a failure too.
//
//   fuzz_tests                         the regression run (ctest)
//   fuzz_tests --write-seeds DIR       writes each target's seeds to DIR/<target>/ (the
//                                      starting corpus of ./dev fuzz)
//   fuzz_tests --list-targets          prints the targets' names, one a line (./dev fuzz)
// CODELEDGER_FUZZ_MUTATIONS=N sets the mutations per target (default below).
// On a failure the input is written to fuzz-failure-<target>.bin in the working directory.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "tests/fuzz/fuzz_targets.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace codeledger::fuzz {
namespace {

namespace fs = std::filesystem;

constexpr int kDefaultMutations = 300;

// What is running, for the failure handlers (which may only call async-signal-safe code).
std::string failure_path;
std::string current_input;

void save_current_input() {
  const int fd = ::open(failure_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  const char* p = current_input.data();
  std::size_t left = current_input.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ::close(fd);
}

void on_abort(int) {
  save_current_input();
  std::signal(SIGABRT, SIG_DFL);
}

void run_one(const Target& t, const std::string& input) {
  current_input = input;
  t.run(reinterpret_cast<const std::uint8_t*>(current_input.data()), current_input.size());
}

std::vector<std::string> corpus_files(const std::string& target) {
  std::vector<std::string> out;
  const fs::path dir = fs::path(CL_FUZZ_CORPUS_DIR) / target;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back(ss.str());
  }
  return out;
}

// One to four edits: byte flips and replacements, insertions (random bytes, or tokens that
// tend to matter to JSON, XML, numbers and HTTP), erasures, duplications, and a splice with
// another input of the pool.
std::string mutate(const std::vector<std::string>& pool, std::mt19937_64& rng) {
  static const char* const kTokens[] = {"\"", "{", "}", "[", "]", ",", ":", "null", "-1", "0",
                                        "1e309", "18446744073709551616", "\\u0000", "\xff",
                                        "<", "</", ">", "&amp;", "%", "%00", "\r\n", "\n", "=",
                                        "&", "?", "/", "{}", "[]", "\"\":\"\""};
  std::string s = pool[rng() % pool.size()];
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    const std::size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 7) {
      case 0: if (at < s.size()) s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8))); break;
      case 1: if (at < s.size()) s[at] = static_cast<char>(rng()); break;
      case 2: s.insert(at, 1, static_cast<char>(rng())); break;
      case 3: s.insert(at, kTokens[rng() % std::size(kTokens)]); break;
      case 4: if (at < s.size()) s.erase(at, 1 + rng() % std::min<std::size_t>(16, s.size() - at)); break;
      case 5: if (at < s.size()) s.insert(at, s.substr(at, 1 + rng() % 32)); break;
      default: {
        const std::string& other = pool[rng() % pool.size()];
        const std::size_t from = other.empty() ? 0 : rng() % other.size();
        s = s.substr(0, at) + other.substr(from);
      }
    }
  }
  return s;
}

// -1 for a value that is not a whole number: a typo must not quietly run no mutations.
int mutations_per_target() {
  const char* env = std::getenv("CODELEDGER_FUZZ_MUTATIONS");
  if (env == nullptr) return kDefaultMutations;
  int n = -1;
  const char* end = env + std::strlen(env);
  const auto [ptr, ec] = std::from_chars(env, end, n);
  return ec == std::errc() && ptr == end && n >= 0 ? n : -1;
}

class FuzzRegression : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzRegression, SeedsCorpusAndMutationsPass) {
  const Target& t = GetParam();
  failure_path = std::string("fuzz-failure-") + t.name + ".bin";
  std::vector<std::string> pool = t.seeds();
  ASSERT_FALSE(pool.empty());
  for (const std::string& s : pool) run_one(t, s);
  // A wrong corpus path would drop the kept inputs without a word.
  ASSERT_TRUE(fs::is_directory(CL_FUZZ_CORPUS_DIR)) << CL_FUZZ_CORPUS_DIR << " is not a directory";
  const std::vector<std::string> kept = corpus_files(t.name);
  for (const std::string& s : kept) run_one(t, s);
  pool.insert(pool.end(), kept.begin(), kept.end());
  std::mt19937_64 rng(0x5eed + std::hash<std::string>{}(t.name));
  const int mutations = mutations_per_target();
  ASSERT_GE(mutations, 0) << "CODELEDGER_FUZZ_MUTATIONS must be a whole number";
  for (int i = 0; i < mutations; ++i) run_one(t, mutate(pool, rng));
  std::printf("%s: %zu seeds, %zu kept inputs, %d mutations\n", t.name, pool.size() - kept.size(),
              kept.size(), mutations);
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegression, ::testing::ValuesIn(targets().begin(), targets().end()),
                         [](const ::testing::TestParamInfo<Target>& info) { return std::string(info.param.name); });

int write_seeds(const fs::path& dir) {
  for (const Target& t : targets()) {
    fs::create_directories(dir / t.name);
    int n = 0;
    for (const std::string& s : t.seeds()) {
      std::ofstream(dir / t.name / ("seed-" + std::to_string(n++)), std::ios::binary) << s;
    }
  }
  return 0;
}

}  // namespace
}  // namespace codeledger::fuzz

int main(int argc, char** argv) {
  using namespace codeledger::fuzz;
  if (argc == 3 && std::string(argv[1]) == "--write-seeds") return write_seeds(argv[2]);
  if (argc == 2 && std::string(argv[1]) == "--list-targets") {
    for (const Target& t : targets()) std::printf("%s\n", t.name);
    return 0;
  }
  std::signal(SIGABRT, on_abort);
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_set_death_callback(&save_current_input);
#endif
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
