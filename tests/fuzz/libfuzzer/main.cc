// The libFuzzer entry point of one target, named at compile time (CL_FUZZ_TARGET): the
// fuzz-<target> executables of a CODELEDGER_FUZZ build (./dev fuzz <target>).
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return codeledger::fuzz::CL_FUZZ_TARGET(data, size);
}
