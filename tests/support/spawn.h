// A program started for a test with its stdout and stderr in files and stdin from /dev/null:
// codeledgerd in the crash tests (tests/crash/daemon.h) and in the signal tests
// (tests/server/http/daemon_signals_test.cc).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace codeledger::testing {

// args[0] is the program (searched in PATH when it has no '/'). Returns the child's pid, or
// -1 with *error set ("posix_spawn: <reason>").
pid_t spawn_with_output_files(std::vector<std::string> args, const std::string& out_path,
                              const std::string& err_path, std::string* error);

}  // namespace codeledger::testing
