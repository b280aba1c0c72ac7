// ledgerctl: the operator's and auditor's tool over a codeledger data directory and config
// file. Links ledger + wal + store only, never the HTTP layer.
#include <cstdio>
#include <exception>

#include "tools/cli.h"
#include "tools/commands.h"

namespace codeledger::tools {

std::string usage_text() {
  return R"(usage: ledgerctl <command> [--data-dir DIR] ...   (DIR defaults to ./data)

  wal dump [--json] [--from-lsn N] [--to-lsn N] [--since TIME] [--until TIME]
           [--org ID] [--code CODE [--mode DISCOUNT|PAYMENT_VOUCHER]]
  wal verify
  replay --until <TIME|LSN> [--write-snapshot FILE | --summary]
  history <CODE> [--org ID] [--mode DISCOUNT|PAYMENT_VOUCHER] [--json]
  snapshot inspect [FILE]
  keys add --config FILE --name NAME --org ID [--scopes read,write,admin]
           [--rate-per-minute N] [--burst N]
  keys list --config FILE
  keys revoke --config FILE --name NAME

TIME is ISO 8601: 2024-05-01T14:03:00Z, 2024-05-01T14:03:00.250+05:30 or 2024-05-01;
a fraction has 1-9 digits, truncated to milliseconds.
A command refuses any flag it does not use (exit 2).
Exit status: 0 ok, 1 problems found (damage, bad snapshot), 2 usage or I/O error.
See docs/ledgerctl.md.
)";
}

namespace {

int dispatch(const Words& words) {
  const std::string_view cmd = words[0];
  const Words rest(words.begin() + 1, words.end());
  if (cmd == "wal") return run_wal(rest);
  if (cmd == "replay") return run_replay(rest);
  if (cmd == "history") return run_history(rest);
  if (cmd == "snapshot") return run_snapshot(rest);
  if (cmd == "keys") return run_keys(rest);
  throw CliError::usage("unknown command '" + std::string(cmd) + "'");
}

// `ledgerctl wal dump --help` and the like: asking for help is never a usage error.
bool asks_for_help(const Words& words) {
  for (std::string_view w : words) {
    if (w == "--help" || w == "-h") return true;
  }
  return false;
}

}  // namespace
}  // namespace codeledger::tools

int main(int argc, char** argv) {
  using namespace codeledger::tools;
  Words words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "help" || asks_for_help(words)) {
    std::fputs(usage_text().c_str(), words.empty() ? stderr : stdout);
    return words.empty() ? kExitUsage : kExitOk;
  }
  try {
    return dispatch(words);
  } catch (const CliError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "ledgerctl: %s\n", e.what());
    if (e.is_usage()) std::fputs("(ledgerctl --help for usage)\n", stderr);
    return e.code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ledgerctl: %s\n", e.what());
    return kExitUsage;
  }
}
