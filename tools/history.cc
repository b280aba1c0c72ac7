// `history <code>`: every event that touched one code, oldest first, with who did it: a row
// per mode the event touched it in.
#include <cinttypes>
#include <cstdio>
#include <string>

#include "tools/cli.h"
#include "tools/code_tracker.h"
#include "tools/commands.h"
#include "tools/event_text.h"
#include "tools/scan.h"
#include "tools/text_width.h"
#include "wal/file.h"
#include "wal/snapshot.h"

namespace codeledger::tools {
namespace {

CodeTarget history_target(const Args& args) {
  const std::string& code = args.single_positional("code");
  auto key = ledger::CodeKey::make(code);
  if (!key.ok()) throw CliError("'" + code + "' is not a code: " + key.status().message());
  CodeTarget t{code, args.get_u64("org"), std::nullopt};
  if (auto m = args.get("mode")) {
    t.mode = ledger::parse_mode(*m);
    if (!t.mode) throw CliError("--mode: expected DISCOUNT or PAYMENT_VOUCHER, got '" + *m + "'");
  }
  return t;
}

// One row of the table. Text columns are padded by display width, not bytes: a key named
// "wr ü7" (6 bytes, 5 columns) shifted every later column one to the left (probe 34a).
struct Row {
  std::string_view time, lsn, org, mode, key, dialect, customer, change, detail;
};

std::string row_text(const Row& r) {
  return pad_right(r.time, 24) + " " + pad_left(r.lsn, 8) + " " + pad_left(r.org, 8) + "  " +
         pad_right(r.mode, 15) + " " + pad_right(r.key, 16) + " " + pad_right(r.dialect, 9) +
         " " + pad_right(r.customer, 9) + " " + pad_right(r.change, 9) + " " +
         std::string(r.detail);
}

// The code's mode as the dump names modes; none when its promotion predates the log.
Field mode_field(std::optional<ledger::Mode> mode) {
  if (mode) return str_field("mode", ledger::to_string(*mode));
  return {"mode", "null", "-"};
}

void print_human(const ledger::Event& e, const CodeTouch& t) {
  const auto& h = e.header;
  const std::string line =
      row_text({format_iso_time(h.time_ms), std::to_string(h.lsn), std::to_string(h.org),
                mode_field(t.mode).human, api_key_text(h.api_key), ledger::to_string(h.dialect),
                t.customer ? std::to_string(t.customer) : "-", t.change, t.detail});
  std::printf("%s\n", line.c_str());
}

// The dump's line with change, detail and mode added: the body's own "mode" (a link's,
// an unlink's, an update's) is the same value and comes first in it, so it is not repeated.
void print_json(const ledger::Event& e, const CodeTouch& t) {
  std::vector<Field> fields{str_field("change", t.change), str_field("detail", t.detail),
                            mode_field(t.mode)};
  for (auto& f : body_fields(e)) {
    if (f.key != "mode") fields.push_back(std::move(f));
  }
  std::printf("%s\n", render_json(e, fields).c_str());
}

// History reaches back only as far as the retained segments: say so when that is not the
// first event. Retention removes segments a snapshot covers; a restore from a snapshot starts
// a directory with none.
std::string log_reach_note(const std::string& data_dir) {
  const std::uint64_t first = first_retained_lsn(data_dir);
  if (first > 1) {
    return " (the log begins at lsn " + std::to_string(first) +
           "; older events are not in it: retention removed them, or the directory was "
           "restored from a snapshot)";
  }
  auto snaps = wal::list_snapshots(wal::posix_fs(), data_dir, false);
  if (first == 0 && snaps.ok() && !snaps->empty()) {
    return " (the directory holds no log segment, only snapshots: the events they cover are "
           "not in it)";
  }
  return "";
}

}  // namespace

int run_history(const Words& words) {
  Args args("history", words, {"data-dir", "org", "mode"}, {"json"});
  CodeTracker tracker(history_target(args));
  const bool json = args.has("json");
  ScanOptions so;
  so.data_dir = data_dir_noting_strays(args);
  so.progress_what = "history";
  if (!json) {
    std::printf("%s\n", row_text({"TIME", "LSN", "ORG", "MODE", "API KEY", "DIALECT", "CUSTOMER",
                                  "CHANGE", "DETAIL"})
                            .c_str());
  }
  std::uint64_t found = 0;
  scan_events(so, [&](const ledger::Event& e, const wal::RecordRef&) {
    const std::vector<CodeTouch> touches = tracker.observe(e);
    for (const CodeTouch& t : touches) json ? print_json(e, t) : print_human(e, t);
    found += touches.empty() ? 0 : 1;
    return true;
  });
  std::fflush(stdout);
  std::fprintf(stderr, "ledgerctl: %" PRIu64 " events touched %s%s\n", found,
               args.positional().front().c_str(), log_reach_note(so.data_dir).c_str());
  return kExitOk;
}

}  // namespace codeledger::tools
