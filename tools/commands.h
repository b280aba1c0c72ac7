// ledgerctl's subcommands. Each takes the words after its name (flags included), prints to
// stdout/stderr and returns the exit code; usage and I/O errors are thrown as CliError.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace codeledger::tools {

using Words = std::vector<std::string_view>;

inline constexpr std::string_view kDefaultDataDir = "./data";

int run_wal(const Words& words);  // wal dump | wal verify
int run_replay(const Words& words);
int run_history(const Words& words);
int run_snapshot(const Words& words);  // snapshot inspect
int run_keys(const Words& words);      // keys add | list | revoke

std::string usage_text();

}  // namespace codeledger::tools
