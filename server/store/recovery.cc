// Recovery: newest valid snapshot, then the WAL after it through Ledger::apply (the same
// code live traffic runs). Also used by the background snapshot builder.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <new>
#include <optional>
#include <thread>

#include "server/store/record_event.h"
#include "server/store/store.h"
#include "server/store/stopwatch.h"
#include "server/store/wal_sink.h"
#include "wal/record.h"
#include "wal/snapshot.h"

namespace codeledger::store {

std::string RecoveryReport::summary() const {
  std::string s = snapshot_lsn ? "snapshot " + snapshot_name : std::string("no snapshot");
  s += ", replayed " + std::to_string(replayed) + " wal records, last lsn " +
       std::to_string(last_lsn) + " in " + std::to_string(elapsed_ms) + " ms";
  for (const auto& n : snapshots_skipped) s += "; skipped snapshot " + n;
  for (const auto& n : wal.notes) s += "; " + n;
  return s;
}

namespace {

// Codes a record adds (a generate's up to 16,384, an import's up to 10,000): the replay's
// measure of work beside its records.
std::uint64_t codes_added(const ledger::Event& event) {
  const auto* added = std::get_if<ledger::CodesAdded>(&event.body);
  return added ? added->codes.size() : 0;
}

}  // namespace

std::uint64_t Store::codes_in(const ledger::Ledger& ledger) {
  std::uint64_t n = 0;
  for (const auto& org : ledger.stats()) n += org.codes;
  return n;
}

// A fresh ledger holding the newest snapshot that both checks out on disk and decodes;
// a snapshot that fails to decode is skipped like a corrupt one (the next older is tried).
// The decode cannot say how far it is, so recovery's progress line says which snapshot,
// its size, and which of the two passes over it runs (reading it with its checksum,
// decoding it).
Result<std::unique_ptr<ledger::Ledger>> Store::load_snapshot_into_new_ledger(
    ledger::EventSink* sink, wal::SnapshotInfo* loaded, std::vector<std::string>* skipped,
    bool say_progress) {
  *loaded = wal::SnapshotInfo{};
  auto all = wal::list_snapshots(*fs_, options_.data_dir, false);
  if (!all.ok()) return Status(ErrorCode::kInternal, all.status().message());
  for (auto& candidate : *all) {
    std::atomic<const char*> phase{"reading it"};
    std::optional<LongStep> step;
    if (say_progress) {
      step.emplace(options_.log,
                   "recovery: loading snapshot " + candidate.name + " (" +
                       megabytes(candidate.payload_bytes) + ", covers lsn " +
                       std::to_string(candidate.covered_lsn) + ")",
                   [&phase] { return std::string(phase.load()); }, options_.progress);
    }
    const auto skip = [&](const std::string& problem) {
      skipped->push_back(candidate.name + ": " + problem);
      if (step) step->done("recovery: skipped snapshot " + candidate.name + ": " + problem);
    };
    if (!candidate.valid) {
      skip(candidate.problem);
      continue;
    }
    // Read once, checksum and decode on the same bytes (probe 36b: the whole file was read
    // twice, once for its checksum, once for the payload).
    auto bytes = wal::read_snapshot_payload(*fs_, options_.data_dir, candidate);
    if (!bytes.ok()) return Status(ErrorCode::kInternal, bytes.status().message());
    if (!candidate.valid) {
      skip(candidate.problem);
      continue;
    }
    phase = "decoding it";
    auto target = std::make_unique<ledger::Ledger>(options_.ledger, sink);
    Status st = target->decode_snapshot(*bytes);
    if (!st.ok()) {
      skip("does not decode: " + st.message());
      continue;
    }
    if (step) {
      step->done("recovery: loaded snapshot " + candidate.name + " (" +
                 std::to_string(codes_in(*target)) + " codes)");
    }
    *loaded = candidate;
    note_snapshot_checked(candidate.name);
    return target;
  }
  return std::make_unique<ledger::Ledger>(options_.ledger, sink);
}

namespace {

// Decoded events handed from the reading thread to the applying one, in log order.
class EventQueue {
 public:
  static constexpr std::size_t kBatchEvents = kReplayBatchRecords;
  static constexpr std::size_t kBatchesMax = 8;  // bounds the memory read ahead

  // Reader side. False once the consumer has stopped (it failed): stop reading.
  bool push(std::vector<ledger::Event>&& batch) {
    std::unique_lock lock(mu_);
    space_.wait(lock, [&] { return batches_.size() < kBatchesMax || stopped_; });
    if (stopped_) return false;
    batches_.push_back(std::move(batch));
    ready_.notify_one();
    return true;
  }
  void finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    ready_.notify_one();
  }
  // Applier side. False when the reader has finished and everything was taken.
  bool pop(std::vector<ledger::Event>& batch) {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [&] { return !batches_.empty() || finished_; });
    if (batches_.empty()) return false;
    batch = std::move(batches_.front());
    batches_.pop_front();
    space_.notify_one();
    return true;
  }
  void stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    space_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::vector<ledger::Event>> batches_;
  bool finished_ = false, stopped_ = false;
};

// Applies what the reader queued, in order, keeping `counters` (when given) up to date and
// asking `stop` before each batch.
Status apply_events(ledger::Ledger& target, EventQueue& queue, const std::function<bool()>& stop,
                    ReplayCounters* counters) {
  std::uint64_t replayed = 0, codes = 0;
  std::vector<ledger::Event> batch;
  while (queue.pop(batch)) {
    if (stop && stop()) {
      return Status(ErrorCode::kStorageUnavailable,
                    std::string(kRecoveryStoppedMessage) + " after " + std::to_string(replayed) +
                        " of the log's records; the data directory was left as it was");
    }
    for (const ledger::Event& event : batch) {
      if (Status st = target.apply(event); !st.ok()) {
        return Status(ErrorCode::kInternal, "apply of lsn " + std::to_string(event.header.lsn) +
                                                " failed: " + st.message());
      }
      ++replayed;
      if (counters) {
        codes += codes_added(event);
        counters->records.store(replayed, std::memory_order_relaxed);
        counters->codes.store(codes, std::memory_order_relaxed);
        counters->lsn.store(event.header.lsn, std::memory_order_relaxed);
      }
    }
  }
  return Status::Ok();
}

}  // namespace

// Two threads: one reads, checks and decodes records (file I/O, CRC, event decode), this one
// applies them in log order. Apply is mostly cache misses in the code index, decode mostly
// arithmetic, so the overlap roughly halves the wall time of a long replay.
Status Store::replay_wal(ledger::Ledger& target, const wal::ReadOptions& ro,
                         wal::ReadReport* report, const std::function<bool()>& stop,
                         ReplayCounters* counters) {
  EventQueue queue;
  wal::Result<wal::ReadReport> read = wal::ReadReport{};
  std::thread reader([&] {
    std::vector<ledger::Event> batch;
    std::uint64_t batch_codes = 0;
    bool consumer_stopped = false;
    auto visit = [&](const wal::RecordRef& rec) -> wal::Status {
      auto event = decode_record(rec, std::string(rec.file));
      if (!event.ok()) return wal::Status(wal::Code::kCorruption, event.status().message());
      batch_codes += codes_added(*event);
      batch.push_back(std::move(*event));
      if (batch.size() == EventQueue::kBatchEvents || batch_codes >= kReplayBatchCodes) {
        consumer_stopped = !queue.push(std::move(batch));
        batch.clear();
        batch_codes = 0;
        if (consumer_stopped) return wal::Status(wal::Code::kFailed, "replay stopped");
      }
      return wal::Status::Ok();
    };
    try {
      read = wal::read_wal(*fs_, options_.data_dir, ro, visit);
      if (!batch.empty() && !consumer_stopped) queue.push(std::move(batch));
    } catch (const std::bad_alloc&) {
      read = wal::Status(wal::Code::kFailed, "out of memory decoding the log");
    }
    queue.finish();
  });
  // Out of memory in an apply (a snapshot build's second ledger, a recovery too big for the
  // process) leaves through here: the reader is stopped and joined first, or its thread's
  // end would terminate the process (probe 35b).
  Status applied;
  try {
    applied = apply_events(target, queue, stop, counters);
  } catch (...) {
    queue.stop();
    reader.join();
    throw;
  }
  if (!applied.ok()) queue.stop();
  reader.join();
  if (!applied.ok()) return applied;
  if (!read.ok() && read.status().code() == wal::Code::kLogTooShort) {
    return refuse_log_below_snapshot(read.status());
  }
  if (!read.ok()) return Status(ErrorCode::kInternal, read.status().message());
  if (report) *report = *read;
  return Status::Ok();
}

// The log after the snapshot. A snapshot is written only for records already durable in
// the log (every durability mode; in none the log is synced for it), so a log that ends
// below the snapshot's LSN lost acknowledged records, or the two do not belong together:
// refused (ReadOptions::end_lsn_min). A directory without any segment meets that rule: it
// is a restore from a snapshot alone (docs/operations.md, "Backup and restore"), said here.
Status Store::replay_log_after_snapshot(const wal::SnapshotInfo& snapshot) {
  wal::ReadOptions ro;
  ro.policy = options_.recovery;
  ro.from_lsn = snapshot.covered_lsn + 1;
  ro.end_lsn_min = snapshot.covered_lsn;
  ReplayCounters counters;
  LongStep step(options_.log,
                "recovery: replaying the log " +
                    (snapshot.covered_lsn ? "after lsn " + std::to_string(snapshot.covered_lsn)
                                          : std::string("from its start")),
                [&counters] {
                  return std::to_string(counters.records.load()) + " records, " +
                         std::to_string(counters.codes.load()) + " codes added, lsn " +
                         std::to_string(counters.lsn.load());
                },
                options_.progress);
  if (Status st = replay_wal(*ledger_, ro, &recovery_.wal, options_.stop_recovery, &counters);
      !st.ok()) {
    return st;
  }
  step.done("recovery: replayed " + std::to_string(counters.records.load()) + " records (" +
            std::to_string(counters.codes.load()) + " codes added) up to lsn " +
            std::to_string(counters.lsn.load()));
  if (snapshot.covered_lsn > 0 && recovery_.wal.segments == 0) {
    log("data directory " + options_.data_dir + " holds no log segment: starting from " +
        snapshot.name + " alone (a restore from a snapshot); the log continues at lsn " +
        std::to_string(snapshot.covered_lsn + 1));
  }
  return Status::Ok();
}

// The reader refused before it cut, trimmed or set aside anything: say what was found and
// what the operator can do, and leave the choice to them.
Status Store::refuse_log_below_snapshot(const wal::Status& read) const {
  const std::string snap_lsn = std::to_string(recovery_.snapshot_lsn);
  return Status(ErrorCode::kStorageUnavailable,
                "refusing to start: snapshot " + recovery_.snapshot_name + " covers lsn " +
                    snap_lsn + ", but " + read.message() +
                    ". A snapshot is only written for records already in the log, so records "
                    "up to lsn " + snap_lsn + " are missing from the log, or the snapshot "
                    "belongs to another data directory. The log and the snapshots were left "
                    "as they are. Restore the missing segments from a backup; or, to start "
                    "from the snapshot alone, move every wal-*.log out of " + options_.data_dir +
                    "; or, to start from the log alone (losing what only the snapshot holds), "
                    "move the snapshots newer than the log out");
}


Status Store::recover() {
  const Stopwatch stopwatch;
  wal::SnapshotInfo snapshot;
  auto loaded = load_snapshot_into_new_ledger(sink_.get(), &snapshot, &recovery_.snapshots_skipped,
                                              true);
  if (!loaded.ok()) return loaded.status();
  ledger_ = std::move(*loaded);
  const std::uint64_t snap_lsn = snapshot.covered_lsn;
  recovery_.snapshot_name = snapshot.name;
  recovery_.snapshot_lsn = snap_lsn;
  if (Status st = replay_log_after_snapshot(snapshot); !st.ok()) return st;
  // This store holds the directory, and its writer starts a new segment below.
  if (wal::Status st = wal::trim_newest_zero_tail(*fs_, options_.data_dir, recovery_.wal); !st.ok()) {
    return Status(ErrorCode::kStorageUnavailable, "cannot trim the log's zero tail: " + st.message());
  }
  recovery_.replayed = recovery_.wal.delivered;
  for (const auto& [org, settings] : options_.orgs) {
    if (Status st = configure_org(org, settings); !st.ok()) return st;
  }
  recovery_.last_lsn = std::max({recovery_.wal.last_lsn, snap_lsn, ledger_->last_lsn()});
  wal::WalOptions wo = options_.wal;
  wo.dir = options_.data_dir;
  if (!wo.clock_ms) wo.clock_ms = options_.clock_ms;  // retention by age may have its own
  wo.log = options_.log;
  auto writer = wal::WalWriter::open(*fs_, std::move(wo), recovery_.last_lsn + 1);
  if (!writer.ok()) return Status(ErrorCode::kStorageUnavailable, writer.status().message());
  writer_ = std::move(*writer);
  writer_->set_snapshot_lsn(snap_lsn);
  recovery_.elapsed_ms = stopwatch.elapsed_ms();
  std::lock_guard lock(mu_);
  stats_.last_snapshot_lsn = snap_lsn;
  stats_.last_snapshot_time_ms = snapshot.time_ms;
  return Status::Ok();
}

}  // namespace codeledger::store
