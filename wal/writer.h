// The group-commit writer. Callers append records from any thread (the store does it inside
// ledger critical sections, so append only copies into a staging buffer: no syscalls); one
// writer thread takes everything staged, writes it, fdatasyncs it, publishes the durable LSN
// and completes the waiters. With WalOptions::sync_lanes > 1 it hands each fdatasync to a
// sync lane (wal/sync_lanes.h) instead, and takes and writes the next batch while earlier
// fdatasyncs are still in flight.
//
// Durability modes: kSync (fsync every batch; the caller acks after on_durable), kAsync
// (write and fsync at least every fsync_interval_ms; the caller acks at once), kNone (write
// at least every fsync_interval_ms, never fsync). In every mode on_durable / wait_durable
// mean "as durable as this mode makes it".
//
// Segments are preallocated (WalOptions::preallocate): each is zero-filled to
// segment_bytes_max and fsynced before it takes records, and records overwrite the zeros in
// place, so a group-commit fdatasync flushes data only (no length change, no ext4 journal
// commit). The next segment is zero-filled by a helper thread once the current one is half
// full; sealing (rotation, clean close) cuts a segment to its written length and fsyncs it.
//
// A failed write, fsync, zero fill or seal is sticky: from then on every append and every
// wait returns the failure, and the log is never written or fsynced again (a retried fsync
// can report success for pages the kernel already dropped). healthy() / failure() report it.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "wal/file.h"
#include "wal/format.h"
#include "wal/function_ref.h"
#include "wal/preallocator.h"
#include "wal/status.h"
#include "wal/sync_lanes.h"

namespace codeledger::wal {

enum class Durability : std::uint8_t { kSync, kAsync, kNone };
std::string_view to_string(Durability d);  // "sync" | "async" | "none"
std::optional<Durability> parse_durability(std::string_view s);

// Which sealed segments may be deleted. Zero means "no limit"; both zero keeps everything
// (the default: the log is the audit trail). A segment is never deleted while it holds a
// record after the newest snapshot's LSN, nor while it is being written.
struct RetentionPolicy {
  std::int64_t age_ms_max = 0;         // delete sealed segments older than this
  std::uint64_t total_bytes_max = 0;   // delete the oldest until the log is below this
};

inline constexpr std::size_t kSyncLanesMax = 8;
inline constexpr std::uint32_t kGroupCommitWaitUsMax = 1'000'000;
inline constexpr std::uint32_t kGroupCommitMinRecordsMax = 1'000'000;

struct WalOptions {
  std::string dir;
  Durability durability = Durability::kSync;
  std::int64_t fsync_interval_ms = 10;  // kAsync: longest time between fsyncs; kNone: writes
  std::uint64_t segment_bytes_max = format::kSegmentBytesMaxDefault;
  // Zero-fill segments ahead of time and overwrite them in place (see above). false: each
  // segment grows by appends, and every fdatasync also commits the new length. Ignored in
  // kNone, which never fsyncs and so has nothing to gain.
  bool preallocate = true;
  // fdatasyncs in flight at once (1..kSyncLanesMax). Ignored in kNone. 1: the writer thread
  // fdatasyncs each batch itself (no lane threads). 1 (one at a time) suits a closed loop,
  // where the next batch waits for this one's acknowledgements: there, two overlapping
  // fdatasyncs each took longer and split the same records between them (through HTTP
  // with 64 connections, 2 lanes answered 0.63-0.83x the requests of 1). 2 suits a
  // producer that stages the next batch meanwhile: 1.20-1.31x the records per second at 128
  // records per fdatasync (docs/benchmarks.md).
  std::size_t sync_lanes = 1;
  // With sync_lanes > 1: while an fdatasync is in flight, the next batch goes to another
  // lane only once it holds at least this many bytes, so a trickle of records is not spread
  // over many fdatasyncs; a smaller batch waits for the sync in flight. 0: at once.
  std::size_t overlap_min_bytes = 8u << 10;
  // kSync with one lane: after a batch of at least group_commit_min_records records, the
  // longest the writer waits for more before it writes and fdatasyncs the next
  // (microseconds, 0..kGroupCommitWaitUsMax; 0: never), and the quiet spell (no new record)
  // that ends the wait sooner (0: none). See WalWriter::gather_concurrent_writes.
  // No quiet spell by default: a server that tracks its producers (track_producers) ends the
  // wait exactly when its io threads run dry, and a quiet spell only woke the writer every
  // few tens of microseconds while it gathered, on the io thread's CPU. Through HTTP, sync,
  // in turns against 60: link 6 of 7 and peak sale 3 of 3 turns faster, redeem batches of
  // 51-55 records against 31-35 (docs/benchmarks-history.md, session 25). A writer whose producers
  // are not tracked may want one, so that a lull ends its wait.
  std::uint32_t group_commit_wait_us = 300;
  std::uint32_t group_commit_quiet_us = 0;
  std::uint32_t group_commit_min_records = 8;  // 2..kGroupCommitMinRecordsMax
  // kSync with one lane: when records came in while the last batch was written and
  // fdatasynced, the next fdatasync starts no sooner than this after the last one started
  // (microseconds, 0..kGroupCommitWaitUsMax; 0: off). Records that keep arriving while the
  // log syncs come from clients that do not wait on it (independent requests, an open
  // loop): back to back, each fdatasync took about 35 µs of the io threads' vCPU on the
  // benchmark VM for 4-5 records, and spaced 250 µs apart the same records shared a third as
  // many, which left the vCPU free enough that the time in flight at 34,000 requests/s fell
  // from p90 0.95 ms / p99 2.9 ms to 0.56 / 1.5 ms. A writer whose clients all wait on the
  // batch in flight (one sequential client, a closed loop) finds nothing staged when its
  // fdatasync ends and is never spaced (docs/benchmarks-history.md, session 31).
  std::uint32_t group_commit_spacing_us = 250;
  std::size_t staging_bytes_max = 256u << 20;            // appends wait beyond this (backpressure)
  std::size_t async_batch_bytes = 1u << 20;              // kAsync: write early past this
  RetentionPolicy retention;
  std::function<std::int64_t()> clock_ms;                // for retention by age; default: system
  // One line per event an operator must hear of when it happens, not at shutdown: the log
  // failing (sticky), the next segment's background zero fill failing. Called on the
  // writer's or the fill's thread; empty: not told.
  std::function<void(const std::string&)> log;
};

// A fixed-bucket histogram: counts[i] counts values <= kBounds[i], the last slot the rest.
// Plain counters under the writer's stats mutex; /metrics turns them into a Prometheus
// histogram.
template <const auto& kBounds>
struct FixedHistogram {
  static constexpr const auto& bounds = kBounds;
  std::array<std::uint64_t, kBounds.size() + 1> counts{};
  std::uint64_t sum = 0;
  void add(std::uint64_t value) {
    std::size_t i = 0;
    while (i < kBounds.size() && value > kBounds[i]) ++i;
    ++counts[i];
    sum += value;
  }
};

// fdatasync latency, microseconds (a spinning disk is 5-20 ms, NVMe tens of microseconds).
inline constexpr std::array<std::uint64_t, 14> kFsyncBucketsUs = {
    50, 100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000,
    1'000'000, 5'000'000};
// Records per group-commit batch.
inline constexpr std::array<std::uint64_t, 13> kBatchBucketsRecords = {
    1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1'024, 4'096, 16'384};

struct WalStats {
  FixedHistogram<kFsyncBucketsUs> fsync_us;
  FixedHistogram<kBatchBucketsRecords> batch_records;
  std::uint64_t batches = 0;
  std::uint64_t fsyncs = 0;
  std::uint64_t group_commit_waits = 0;  // batches that waited for more (group_commit_wait_us; not
                                         // counted when every tracked producer was idle)
  std::uint64_t group_commit_spacings = 0;  // batches held back by group_commit_spacing_us
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t segments_created = 0;
  std::uint64_t segments_deleted = 0;
  std::uint64_t zero_fill_failures = 0;  // background fills of the next segment that failed
};

class WalWriter {
 public:
  using Encoder = FunctionRef<void(std::uint64_t lsn, std::int64_t time_ms, std::string& out)>;

  // Starts a new segment named next_lsn in options.dir (next_lsn: one past the last record
  // recovery kept, or past the newest snapshot when that is later).
  static Result<std::unique_ptr<WalWriter>> open(FileSystem& fs, WalOptions options,
                                                 std::uint64_t next_lsn);
  ~WalWriter();
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Assigns the next LSN under the staging mutex and lets encode append the payload for it
  // into the staging buffer. type: 1..record_type_user_max. Fails when the writer is in
  // sticky failure or closed, or the payload exceeds record_payload_bytes_max (then no LSN
  // is consumed). encode must not call back into this writer.
  // The record's time is time_ms, or the previous record's when that is later, so times never
  // go back in LSN order within a run: two io threads read the clock before either takes its
  // LSN, and records 1 ms out of order made `replay --until TIME` and `wal dump --until TIME`
  // disagree about the same redemption (probe 32c). encode gets the time the record carries.
  Result<std::uint64_t> append(std::uint8_t type, std::int64_t time_ms, Encoder encode);

  // done(ok) once lsn is durable, done(failure) if the writer fails first. Called inline
  // when already decided, otherwise from the writer thread or a sync lane's: post to your
  // own executor and return quickly.
  void on_durable(std::uint64_t lsn, std::function<void(Status)> done);
  Status wait_durable(std::uint64_t lsn);
  // Waits until everything appended so far is durable.
  Status flush();

  std::uint64_t durable_lsn() const { return durable_lsn_.load(std::memory_order_acquire); }
  std::uint64_t last_lsn() const;  // last LSN handed out by append
  // The writer thread has looked at the records staged now and waits without taking them: a
  // batch below overlap_min_bytes behind the sync in flight, or kAsync/kNone's interval (or it
  // has just been woken to take them). For tests that check a batch was held back: until
  // this is true, the writer may simply not have run yet.
  bool holding_staged_records() const;
  bool healthy() const { return !failed_.load(std::memory_order_acquire); }
  Status failure() const;
  Durability durability() const { return options_.durability; }
  WalStats stats() const;

  // The newest snapshot covers every record up to lsn: segments holding only records up to
  // it may go, if the retention policy says so. Retention runs on the writer thread.
  void set_snapshot_lsn(std::uint64_t lsn);

  // Drains what is staged, fsyncs (unless kNone) and stops the writer thread. Idempotent.
  Status close();

  // The threads that append (a server's io threads) can say when they have run out of work:
  // then no record is coming until a client sends again, and a group-commit wait ends at once
  // instead of on its quiet spell or deadline. track_producers(n) once, before the first
  // producer_idle(); each producer then calls producer_idle() before it blocks and
  // producer_busy() when it wakes. Without tracking, waits end as before. Only timing hinges
  // on these calls, never which records an fdatasync covers.
  void track_producers(unsigned n);
  void producer_idle();
  void producer_busy() { busy_producers_.fetch_add(1); }

 private:
  WalWriter(FileSystem& fs, WalOptions options, std::uint64_t next_lsn);
  bool syncing() const { return options_.durability != Durability::kNone; }
  // kAsync and kNone acknowledge before the write, so they write (and kAsync fsyncs) at most
  // every fsync_interval_ms, or early for a backlog or a waiter: a wake-up and a write per
  // record would cost the request path CPU for nothing (in kNone that made the server
  // slower than in kAsync).
  bool batches_by_time() const { return options_.durability != Durability::kSync; }
  // kSync: what is staged may go to a lane now (see WalOptions::overlap_min_bytes). Requires mu_.
  bool batch_may_start_locked() const {
    return syncs_in_flight_ == 0 || staging_.size() >= options_.overlap_min_bytes;
  }
  Status start_segment(std::uint64_t first_lsn, std::uint64_t capacity);
  Result<std::unique_ptr<WritableFile>> new_segment_file(const std::string& path,
                                                        std::uint64_t capacity);
  Status attach_sync_lanes(const std::string& path);
  Status seal_segment();
  void run();
  bool wait_for_work(std::unique_lock<std::mutex>& lock);
  void gather_concurrent_writes(std::unique_lock<std::mutex>& lock);
  void space_syncs(std::unique_lock<std::mutex>& lock);
  bool producers_idle() const {
    return producers_tracked_.load(std::memory_order_acquire) && busy_producers_.load() <= 0;
  }
  Status sync_batch(std::uint64_t lsn);
  void record_fsync(std::uint64_t took_us);
  void on_synced(std::uint64_t lsn, const Status& st, std::uint64_t took_us);
  Status lane_failure() const;
  void stop_on_failure(const Status& cause);
  Status write_batch(std::string_view batch);
  std::size_t fitting_prefix(std::string_view batch) const;
  void publish(std::uint64_t lsn);
  void fail(const Status& cause);
  void on_zero_fill_failed(const Status& cause);  // on the background fill's thread
  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }
  void stop_preallocating();
  void apply_retention();

  // Constant after construction.
  FileSystem& fs_;
  const WalOptions options_;

  // Staging: guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // writer waits for staged bytes
  std::condition_variable space_cv_;  // appenders wait for staging room
  std::string staging_;
  std::uint64_t next_lsn_;
  std::uint64_t staged_last_lsn_;
  std::int64_t staged_last_time_ms_ = 0;  // under mu_: the newest record's time (append)
  std::uint64_t last_batch_records_ = 0;  // writer thread only
  // group_commit_spacing_us, writer thread only: when the last fdatasync started, and whether
  // records were staged while that batch was written and synced.
  std::chrono::steady_clock::time_point last_sync_started_{};
  bool staged_during_sync_ = false;
  bool writer_waiting_ = false;
  bool writer_idle_ = false;  // kAsync/kNone writer asleep with nothing staged: append wakes it
  bool flush_requested_ = false;
  bool stop_ = false;
  bool retention_requested_ = false;
  Status lane_failure_;  // a sync lane's failed fdatasync, for the writer thread to act on
  std::size_t syncs_in_flight_ = 0;  // submitted to a lane, not yet through on_synced

  // Waiters and failure: guarded by waiters_mu_ (durable_lsn_ and failed_ are stored before
  // it is taken, and read under it, so no waiter is missed).
  mutable std::mutex waiters_mu_;
  std::multimap<std::uint64_t, std::function<void(Status)>> waiters_;
  Status failure_;
  bool sync_failed_ = false;  // a lane's fdatasync failed: publish nothing more
  std::atomic<std::uint64_t> durable_lsn_;
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> snapshot_lsn_{0};
  // Producers that are not idle (track_producers), and whether the writer is in a
  // group-commit wait that their going idle should end.
  std::atomic<bool> producers_tracked_{false};
  std::atomic<int> busy_producers_{0};
  std::atomic<bool> gathering_{false};

  // Owned by the writer thread (and by open() before it starts, close() after it stops).
  std::unique_ptr<SegmentPreallocator> preallocator_;  // null: segments are not preallocated
  std::unique_ptr<WritableFile> file_;
  std::uint64_t segment_first_lsn_ = 0;
  std::uint64_t segment_bytes_ = 0;       // written so far: the offset of the next record
  std::uint64_t segment_capacity_ = 0;    // rotate before a record would pass this
  bool segment_has_records_ = false;
  bool segment_preallocated_ = false;     // the file is longer than segment_bytes_: zeros

  mutable std::mutex stats_mu_;
  WalStats stats_;  // guarded by stats_mu_

  // Destroyed before the members its threads use (through on_synced).
  std::unique_ptr<SyncLanes> lanes_;  // null in kNone and with one lane
  std::thread thread_;
  std::once_flag closed_;
};

}  // namespace codeledger::wal
