// The store: the ledger wired to the write-ahead log. It owns the Ledger and the WalWriter,
// recovers at open (newest valid snapshot, then the WAL after it), and takes snapshots in
// the background. Boost-free, so tools and benchmarks link it without the HTTP layer.
//
// Commit path: every ledger command stages its event through WalSink inside the critical
// section of the keys it touches; WalSink assigns the LSN inside WalWriter::append and
// encodes the event into the staging buffer there (no syscall under the shard lock). The
// server then waits for op.visible_lsn with on_durable before it answers.
//
// Snapshots are built by replay, not by walking the live ledger: a background thread loads
// the newest snapshot into a private ledger, replays the durable WAL after it up to the
// durable LSN, and writes that. The live ledger's locks are never taken, so traffic never
// pauses, and the snapshot is exactly the state at one LSN (no fuzzy cut to reconcile).
// The price is a transient second copy of the state and the replay CPU; see
// docs/wal-format.md for the reasons. Only the clean-shutdown snapshot encodes the live
// ledger, when traffic has stopped.
//
// The data directory is the store's alone while it is open: open() takes its lock
// (wal::FileSystem::lock_dir) before it reads or changes anything there, and close() or the
// destructor lets go. A missing directory is created only when its parent exists.
//
// Thread safety: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "server/store/long_step.h"
#include "server/store/prefault_thread.h"
#include "wal/file.h"
#include "wal/reader.h"
#include "wal/snapshot.h"
#include "wal/writer.h"

namespace codeledger::store {

// The log is replayed in batches (read and decoded on one thread, applied on another) of
// kReplayBatchRecords records, or fewer when they add kReplayBatchCodes codes or more: a
// code generate's record holds up to 16,384 codes, an import's up to 10,000, so 512 of
// them were up to 8.4 million codes, and a stop asked for during recovery (checked between
// batches) waited seconds for one (probe 36b).
inline constexpr std::size_t kReplayBatchRecords = 512;
inline constexpr std::size_t kReplayBatchCodes = 65'536;
inline constexpr std::string_view kRecoveryStoppedMessage = "recovery stopped on request";

struct StoreOptions {
  std::string data_dir;                      // segments and snapshots live here
  // The log's settings (durability mode, segment size, retention, preallocation, sync lanes,
  // ...). dir is the store's data_dir; clock_ms (retention by age) the clock_ms below unless set.
  wal::WalOptions wal;
  std::int64_t snapshot_interval_ms = 0;     // 0: no periodic snapshots
  std::size_t snapshots_kept_count = 2;
  bool snapshot_on_close = true;
  wal::RecoveryPolicy recovery = wal::RecoveryPolicy::kTruncateTail;
  ledger::LedgerOptions ledger;
  std::vector<std::pair<ledger::OrgId, ledger::OrgSettings>> orgs;  // from configuration
  // Long steps are said on `log` as they go (LongStep): the snapshot's load and the log's
  // replay at start, a snapshot build, and close()'s wait for a build in progress and its
  // shutdown snapshot. Nothing for a step shorter than progress.quiet_ms; then a line every
  // progress.every_ms (a background build: its first line only) and one when it ends.
  // Tests set quiet_ms 0 to see every step's first and last line.
  StepTiming progress;
  // Asked between batches (kReplayBatchRecords, kReplayBatchCodes) while recovery replays
  // the log (not while it loads the snapshot, nor in a snapshot build): true ends the
  // replay, and Store::open fails with kRecoveryStoppedMessage. The replay only reads, so
  // the data directory stays as it was; the next start recovers from the beginning.
  // codeledgerd: a SIGTERM or SIGINT during start-up.
  std::function<bool()> stop_recovery;
  wal::FileSystem* fs = nullptr;             // nullptr: the real file system
  std::function<std::int64_t()> clock_ms;    // snapshot timestamps; default: system clock
  // One line per thing the operator must hear of at once (a new data directory, a leftover
  // removed, the log or a snapshot failing). Default: the line on stderr after "codeledgerd: ".
  std::function<void(const std::string&)> log;
};

struct RecoveryReport {
  std::uint64_t snapshot_lsn = 0;            // 0: started without a snapshot
  std::string snapshot_name;
  std::vector<std::string> snapshots_skipped;  // corrupt ones, and why
  wal::ReadReport wal;                       // what the reader found and cut
  std::uint64_t replayed = 0;                // WAL records applied after the snapshot
  std::uint64_t last_lsn = 0;
  std::int64_t elapsed_ms = 0;
  std::string summary() const;
};

struct StoreStats {
  wal::WalStats wal;
  std::uint64_t snapshots_written = 0;
  std::uint64_t last_snapshot_lsn = 0;
  std::int64_t last_snapshot_time_ms = 0;   // clock_ms when the newest snapshot was written; 0: none
  std::int64_t last_snapshot_build_ms = 0;
  // How stale a restart's starting point is: now - last_snapshot_time_ms, or the time since
  // the store opened when there is no snapshot yet (filled by stats()).
  std::int64_t snapshot_age_ms = 0;
  std::string last_snapshot_error;    // why the newest attempt failed; empty once one succeeds
  std::uint64_t snapshot_failures = 0;  // snapshot attempts that failed
  std::uint64_t prefault_fills = 0;  // times the ledger-prefault thread faulted memory in ahead
};

class WalSink;

// How far a replay is, for its progress line: the applying thread writes, LongStep's reads.
struct ReplayCounters {
  std::atomic<std::uint64_t> records{0};
  std::atomic<std::uint64_t> codes{0};  // added by the records applied (imports, generates)
  std::atomic<std::uint64_t> lsn{0};
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> open(StoreOptions options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  ledger::Ledger& ledger() { return *ledger_; }
  const ledger::Ledger& ledger() const { return *ledger_; }
  const RecoveryReport& recovery() const { return recovery_; }
  wal::Durability durability() const { return options_.wal.durability; }
  // sync: on_durable answers after the fdatasync; async and none answer at once.
  bool waits_for_disk() const { return durability() == wal::Durability::kSync; }

  // Configures the organisation in the ledger and remembers it for snapshot builds.
  Status configure_org(ledger::OrgId org, const ledger::OrgSettings& settings);

  // done(ok) once a response that shows lsn may be sent: after the fsync in sync mode, at
  // once in async and none; done(503 status) when the log has failed. Runs inline or on
  // the WAL writer thread: post to your own executor.
  void on_durable(std::uint64_t lsn, std::function<void(Status)> done);
  // Blocking form for tools and tests (waits for the real fsync in every mode but none).
  Status wait_durable(std::uint64_t lsn);
  std::uint64_t durable_lsn() const { return writer_->durable_lsn(); }
  bool healthy() const { return writer_->healthy(); }
  // What the threads that make records (a server's io threads) say about their work, passed
  // to the log's group commit (WalWriter::track_producers).
  void track_producers(unsigned n) { writer_->track_producers(n); }
  void producer_idle() { writer_->producer_idle(); }
  void producer_busy() { writer_->producer_busy(); }
  Status failure() const;

  // Builds and writes a snapshot at the current durable LSN (by replay, off the live
  // ledger); returns its LSN. request_snapshot() does the same on the background thread.
  Result<std::uint64_t> snapshot_now();
  void request_snapshot();

  // Stops the snapshot thread, drains the log and (snapshot_on_close, traffic stopped)
  // writes a final snapshot of the live ledger. Idempotent; the destructor calls it.
  Status close();
  StoreStats stats() const;

 private:
  explicit Store(StoreOptions options);
  // data_dir.cc: the directory itself.
  Status take_data_dir();
  Status create_data_dir_if_missing();
  std::string lock_holder_pid() const;
  void remove_snapshot_leftovers();
  void log(const std::string& line) const { options_.log(line); }

  // recovery.cc
  Status recover();
  // `say_progress`: recovery's load, said as a long step (a build says its own).
  Result<std::unique_ptr<ledger::Ledger>> load_snapshot_into_new_ledger(
      ledger::EventSink* sink, wal::SnapshotInfo* loaded, std::vector<std::string>* skipped,
      bool say_progress);
  Status replay_log_after_snapshot(const wal::SnapshotInfo& snapshot);
  Status refuse_log_below_snapshot(const wal::Status& read) const;
  // `stop`: asked between batches (StoreOptions::stop_recovery); empty: never stops.
  // `counters`: kept up to date when given.
  Status replay_wal(ledger::Ledger& target, const wal::ReadOptions& read,
                    wal::ReadReport* report, const std::function<bool()>& stop = {},
                    ReplayCounters* counters = nullptr);

  Status start();  // open(), after the data directory is ours: recovery and the threads
  // What a build or the shutdown snapshot is doing, for its progress line (static text).
  using Phase = std::atomic<const char*>;
  Status build_snapshot(std::uint64_t target, Phase& phase, std::uint64_t* bytes_written);
  Status write_shutdown_snapshot(std::uint64_t last);
  // close(): said when it waits long for a build in progress.
  void join_snapshot_thread(bool build_running);
  static std::uint64_t codes_in(const ledger::Ledger& ledger);
  Status write_snapshot_bytes(std::uint64_t lsn, const std::string& bytes);
  // A snapshot file this process wrote or read whole and found good: pruning need not read
  // it again for its checksum (wal::prune_snapshots).
  void note_snapshot_checked(const std::string& name);
  Status prune_snapshots();
  Status note_snapshot_result(std::uint64_t lsn, const Status& st);
  std::uint64_t last_snapshot_lsn() const;
  void snapshot_loop();
  std::int64_t now_ms() const { return options_.clock_ms(); }

  // Constant after open().
  StoreOptions options_;
  wal::FileSystem* fs_;
  // Declared before everything that writes in the directory, so destroyed after it; close()
  // lets go earlier, once the log is closed.
  std::unique_ptr<wal::DirLock> dir_lock_;
  std::unique_ptr<WalSink> sink_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<wal::WalWriter> writer_;
  std::unique_ptr<PrefaultThread> prefault_;  // after ledger_: stops before it is destroyed
  RecoveryReport recovery_;
  std::int64_t opened_ms_ = 0;

  mutable std::mutex orgs_mu_;
  std::map<ledger::OrgId, ledger::OrgSettings> orgs_;  // guarded by orgs_mu_

  std::mutex snapshot_build_mu_;  // one snapshot build at a time
  std::atomic<std::uint64_t> building_lsn_{0};  // the build in progress; 0: none

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                 // guarded by mu_
  bool snapshot_requested_ = false;   // guarded by mu_
  bool build_running_ = false;        // guarded by mu_: snapshot_loop took a request
  StoreStats stats_;                  // guarded by mu_ (wal part filled on read)
  std::set<std::string> checked_snapshots_;  // guarded by mu_: see note_snapshot_checked
  std::thread snapshot_thread_;
  std::once_flag closed_;
  Status close_status_;
};

}  // namespace codeledger::store
