// Fuzz targets: each takes arbitrary bytes, feeds them to one parser of untrusted input and
// aborts (through CL_FUZZ_CHECK, or a sanitizer) when it misbehaves. The same functions run
// two ways:
//   - fuzz_tests (ctest, every build): each target's seeds, the inputs kept in
//     tests/fuzz/corpus/<target>/, then a fixed number of seeded mutations of them;
//   - fuzz-<target> (./dev fuzz <target>, clang + libFuzzer): open-ended coverage-guided runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

namespace codeledger::fuzz {

// A broken property: print it and abort, so both libFuzzer and the regression test stop on
// the input that caused it.
#define CL_FUZZ_CHECK(cond, what)                                              \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, __FILE__, __LINE__); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

struct Target {
  const char* name;
  int (*run)(const std::uint8_t* data, std::size_t size);
  std::vector<std::string> (*seeds)();  // well-formed inputs to start from
};

int http_dispatch(const std::uint8_t* data, std::size_t size);
std::vector<std::string> http_dispatch_seeds();
int event_replay(const std::uint8_t* data, std::size_t size);
std::vector<std::string> event_replay_seeds();
int snapshot_decode(const std::uint8_t* data, std::size_t size);
std::vector<std::string> snapshot_decode_seeds();
int wal_records(const std::uint8_t* data, std::size_t size);
std::vector<std::string> wal_records_seeds();
int request_head(const std::uint8_t* data, std::size_t size);
std::vector<std::string> request_head_seeds();
int config_file(const std::uint8_t* data, std::size_t size);
std::vector<std::string> config_file_seeds();

inline std::span<const Target> targets() {
  static const Target all[] = {
      {"http_dispatch", &http_dispatch, &http_dispatch_seeds},
      {"event_replay", &event_replay, &event_replay_seeds},
      {"snapshot_decode", &snapshot_decode, &snapshot_decode_seeds},
      {"wal_records", &wal_records, &wal_records_seeds},
      {"request_head", &request_head, &request_head_seeds},
      {"config_file", &config_file, &config_file_seeds},
  };
  return all;
}

}  // namespace codeledger::fuzz
