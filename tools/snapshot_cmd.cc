// `snapshot inspect [FILE]`: header, covered LSN, size, checksum and per-org counts.
#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/ledger_summary.h"
#include "tools/scan.h"
#include "tools/snapshot_io.h"

namespace codeledger::tools {
namespace {

// Without FILE: the newest snapshot file of the data directory, valid or not (a corrupt
// newest one is exactly what the operator wants to see).
std::string newest_snapshot(const std::string& dir) {
  auto snaps = wal::list_snapshots(wal::posix_fs(), dir, false);
  if (!snaps.ok())
    throw CliError("cannot list snapshots in " + dir + ": " + snaps.status().message());
  if (snaps->empty()) throw CliError("no snapshot files in " + dir);
  return wal::join_path(dir, snaps->front().name);
}

int inspect(const std::string& path) {
  std::error_code ec;
  const auto file_bytes = std::filesystem::file_size(path, ec);
  if (ec) throw CliError("cannot read snapshot " + path + ": " + ec.message());
  SnapshotProgress progress("snapshot inspect", path, file_bytes);
  const wal::SnapshotInfo info = inspect_snapshot_file(path, &progress);
  std::printf("file         %s\n", path.c_str());
  std::printf("size         %ju bytes\n", static_cast<std::uintmax_t>(file_bytes));
  std::printf("covered lsn  %" PRIu64 "\n", info.covered_lsn);
  std::printf("taken        %s\n", format_iso_time(info.time_ms).c_str());
  std::printf("payload      %" PRIu64 " bytes, crc32c %08" PRIx32 "\n", info.payload_bytes,
              info.payload_crc);
  std::printf("checksum     %s\n", info.valid ? "ok" : ("BAD: " + info.problem).c_str());
  if (!info.valid) return kExitProblems;
  ledger::Ledger ledger;
  std::string problem;
  if (!load_snapshot_file(path, info, ledger, &problem, &progress)) {
    std::printf("payload      BAD: %s\n", problem.c_str());
    return kExitProblems;
  }
  print_summary(ledger, stdout);
  return kExitOk;
}

}  // namespace

int run_snapshot(const Words& words) {
  if (words.empty() || words[0] != "inspect") throw CliError::usage("snapshot: expected 'inspect'");
  Args args("snapshot inspect", Words(words.begin() + 1, words.end()), {"data-dir"}, {});
  if (args.positional().size() > 1)
    throw CliError::usage("snapshot inspect takes at most one FILE");
  if (args.positional().empty()) return inspect(newest_snapshot(data_dir_noting_strays(args)));
  // A FILE is read as named: a --data-dir beside it would be ignored, so it is refused.
  if (args.has("data-dir")) {
    throw CliError::usage("snapshot inspect does not take --data-dir with FILE; give one or "
                          "the other");
  }
  return inspect(args.positional().front());
}

}  // namespace codeledger::tools
