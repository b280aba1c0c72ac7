#include "server/store/store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <new>
#include <system_error>

#include "server/store/stopwatch.h"
#include "server/store/wal_sink.h"
#include "wal/segment_sync.h"
#include "wal/record.h"
#include "wal/snapshot.h"
#include "wal/thread_name.h"

namespace codeledger::store {
namespace {

// Runs `step`, with running out of memory, or of address space for a thread's stack (a
// std::system_error), turned into "out of memory <doing>[ (<error>)]<after>" instead of an
// exception that ended the process by SIGABRT (probe 35b): a recovery too big for the
// process, a snapshot build's second ledger.
template <class Step>
Status unless_out_of_memory(std::string_view doing, std::string_view after, Step&& step) {
  const std::string what = "out of memory " + std::string(doing);
  try {
    return step();
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kInternal, what + std::string(after));
  } catch (const std::system_error& e) {
    return Status(ErrorCode::kInternal, what + " (" + e.what() + ")" + std::string(after));
  }
}

Status unavailable(const wal::Status& st) {
  return st.ok() ? Status::Ok() : Status(ErrorCode::kStorageUnavailable, st.message());
}

}  // namespace

Store::Store(StoreOptions options)
    : options_(std::move(options)),
      fs_(options_.fs ? options_.fs : &wal::posix_fs()),
      sink_(std::make_unique<WalSink>()) {
  if (!options_.clock_ms) {
    options_.clock_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  if (!options_.log) {
    options_.log = [](const std::string& line) {
      const std::string text = "codeledgerd: " + line + "\n";
      std::fputs(text.c_str(), stderr);  // one call: lines from two threads do not interleave
    };
  }
  opened_ms_ = options_.clock_ms();
}

Result<std::unique_ptr<Store>> Store::open(StoreOptions options) {
  if (options.data_dir.empty()) return Status(ErrorCode::kInvalidRequest, "data_dir is empty");
  std::unique_ptr<Store> s(new Store(std::move(options)));
  if (Status st = s->take_data_dir(); !st.ok()) return st;
  if (Status st = unless_out_of_memory(
          "while recovering it", "; the log is kept, and a start with more memory recovers it",
          [&] { return s->start(); });
      !st.ok()) {
    return st;
  }
  return s;
}

Status Store::start() {
  remove_snapshot_leftovers();  // first: they may be as big as the state, and the disk full
  if (Status st = recover(); !st.ok()) return st;
  sink_->attach(writer_.get());
  prefault_ = std::make_unique<PrefaultThread>(*ledger_);
  // Also without periodic snapshots (interval 0): it serves request_snapshot(). Without it
  // POST /admin/snapshot answered 202 and no snapshot ever came (probe 32d).
  snapshot_thread_ = std::thread([this] { snapshot_loop(); });
  wal::name_thread(snapshot_thread_, "snapshotter");
  return Status::Ok();
}

Store::~Store() { (void)close(); }

Status Store::configure_org(ledger::OrgId org, const ledger::OrgSettings& settings) {
  Status st = ledger_->configure_org(org, settings);
  if (st.ok()) {
    std::lock_guard lock(orgs_mu_);
    orgs_[org] = settings;
  }
  return st;
}

void Store::on_durable(std::uint64_t lsn, std::function<void(Status)> done) {
  if (!waits_for_disk()) {
    // async / none acknowledge at once, unless the log has already failed.
    done(failure());
    return;
  }
  writer_->on_durable(lsn, [done = std::move(done)](wal::Status st) { done(unavailable(st)); });
}

Status Store::wait_durable(std::uint64_t lsn) { return unavailable(writer_->wait_durable(lsn)); }

Status Store::failure() const { return unavailable(writer_->failure()); }

StoreStats Store::stats() const {
  std::lock_guard lock(mu_);
  StoreStats s = stats_;
  s.wal = writer_->stats();
  if (prefault_) s.prefault_fills = prefault_->fills();
  const std::int64_t since = s.last_snapshot_time_ms ? s.last_snapshot_time_ms : opened_ms_;
  s.snapshot_age_ms = std::max<std::int64_t>(0, now_ms() - since);
  return s;
}

// Returns the file system's message as is; note_snapshot_result says which snapshot failed.
Status Store::write_snapshot_bytes(std::uint64_t lsn, const std::string& bytes) {
  wal::Status st;
  // Durability none never fsyncs the log, but the snapshot is fsynced: sync the records it
  // covers first, or a power cut could leave the log ending below the snapshot (which the
  // next start refuses). Segments wholly below the previous snapshot were synced for it.
  if (durability() == wal::Durability::kNone) {
    st = wal::sync_segments_after(*fs_, options_.data_dir, last_snapshot_lsn());
  }
  const std::int64_t written_ms = now_ms();
  std::string set_aside;
  if (st.ok()) st = wal::write_snapshot(*fs_, options_.data_dir, lsn, written_ms, bytes, &set_aside);
  if (!set_aside.empty()) {
    log("snapshot " + wal::snapshot_name(lsn) + " on disk failed its checks; kept as " + set_aside +
        " and replaced by a new one");
  }
  if (!st.ok()) return Status(ErrorCode::kInternal, st.message());
  note_snapshot_checked(wal::snapshot_name(lsn));
  if (Status pruned = prune_snapshots(); !pruned.ok()) return pruned;
  // Only now may retention drop segments the snapshot covers.
  writer_->set_snapshot_lsn(lsn);
  std::lock_guard lock(mu_);
  ++stats_.snapshots_written;
  // With the count, not after it in note_snapshot_result: stats() never shows a written
  // snapshot beside the error of the attempt before it.
  stats_.last_snapshot_error.clear();
  stats_.last_snapshot_lsn = lsn;
  stats_.last_snapshot_time_ms = written_ms;
  return Status::Ok();
}

void Store::note_snapshot_checked(const std::string& name) {
  std::lock_guard lock(mu_);
  checked_snapshots_.insert(name);
}

// What is kept is what stays checked: the set never outgrows snapshots_kept_count.
Status Store::prune_snapshots() {
  std::set<std::string> checked;
  {
    std::lock_guard lock(mu_);
    checked = checked_snapshots_;
  }
  auto kept = wal::prune_snapshots(*fs_, options_.data_dir, options_.snapshots_kept_count, checked);
  if (!kept.ok()) return Status(ErrorCode::kInternal, kept.status().message());
  std::lock_guard lock(mu_);
  checked_snapshots_ = std::set<std::string>(kept->begin(), kept->end());
  return Status::Ok();
}

// Every attempt's outcome, for StoreStats (and /metrics): the error stays until a snapshot
// succeeds. Returns st with the snapshot named.
Status Store::note_snapshot_result(std::uint64_t lsn, const Status& st) {
  std::lock_guard lock(mu_);
  if (st.ok()) {
    stats_.last_snapshot_error.clear();
    return st;
  }
  Status failed(st.code(), "snapshot at lsn " + std::to_string(lsn) + " failed: " + st.message());
  ++stats_.snapshot_failures;
  stats_.last_snapshot_error = failed.message();
  return failed;
}

std::uint64_t Store::last_snapshot_lsn() const {
  std::lock_guard lock(mu_);
  return stats_.last_snapshot_lsn;
}

Result<std::uint64_t> Store::snapshot_now() {
  std::lock_guard build(snapshot_build_mu_);
  const std::uint64_t target = writer_->durable_lsn();
  const std::uint64_t base = last_snapshot_lsn();
  if (target <= base) return base;
  building_lsn_ = target;
  // A build needs a second ledger's memory and a reader thread; without them the snapshot
  // fails like any other: the live ledger is untouched and the previous snapshot stays.
  const Status built = unless_out_of_memory("building it", "", [&] {
    // A long build says when it began (its first second) and when it ended, no more: it
    // runs every snapshot_interval_ms in the background while the server serves, and a
    // line each second of it would bury the log. A failure is said by snapshot_loop.
    StepTiming timing = options_.progress;
    timing.every_ms = 0;
    Phase phase{"building: loading the previous snapshot"};
    LongStep step(options_.log, "snapshot at lsn " + std::to_string(target),
                  [&phase] { return std::string(phase.load()); }, timing);
    std::uint64_t bytes = 0;
    Status st = build_snapshot(target, phase, &bytes);
    if (st.ok()) {
      step.done("snapshot at lsn " + std::to_string(target) + ": written as " +
                wal::snapshot_name(target) + " (" + std::to_string(bytes) + " bytes)");
    }
    return st;
  });
  building_lsn_ = 0;
  if (Status st = note_snapshot_result(target, built); !st.ok()) return st;
  return target;
}

// Private ledger: last snapshot + durable WAL up to target. No live lock is taken.
Status Store::build_snapshot(std::uint64_t target, Phase& phase, std::uint64_t* bytes_written) {
  const Stopwatch stopwatch;
  wal::SnapshotInfo loaded;
  std::vector<std::string> skipped;
  auto shadow = load_snapshot_into_new_ledger(nullptr, &loaded, &skipped, false);
  if (!shadow.ok()) return shadow.status();
  phase = "building: replaying the log";
  wal::ReadOptions ro;
  ro.policy = wal::RecoveryPolicy::kStrict;
  ro.from_lsn = loaded.covered_lsn + 1;
  ro.until_lsn = target;
  ro.repair = false;
  if (Status st = replay_wal(**shadow, ro, nullptr); !st.ok()) return st;
  if ((*shadow)->last_lsn() != target) {
    return Status(ErrorCode::kInternal, "snapshot replay reached lsn " +
                                            std::to_string((*shadow)->last_lsn()) +
                                            ", wanted " + std::to_string(target));
  }
  {
    std::lock_guard lock(orgs_mu_);
    for (const auto& [org, settings] : orgs_) {
      if (Status st = (*shadow)->configure_org(org, settings); !st.ok()) return st;
    }
  }
  phase = "building: encoding";
  std::string bytes;
  (*shadow)->encode_snapshot(bytes);
  shadow->reset();  // give the memory back before the write
  phase = "writing it";
  if (Status st = write_snapshot_bytes(target, bytes); !st.ok()) return st;
  *bytes_written = bytes.size();
  std::lock_guard lock(mu_);
  stats_.last_snapshot_build_ms = stopwatch.elapsed_ms();
  return Status::Ok();
}

void Store::request_snapshot() {
  {
    std::lock_guard lock(mu_);
    snapshot_requested_ = true;
  }
  cv_.notify_all();
}

void Store::snapshot_loop() {
  std::unique_lock lock(mu_);
  const auto woken = [&] { return stop_ || snapshot_requested_; };
  for (;;) {
    if (options_.snapshot_interval_ms > 0) {
      cv_.wait_for(lock, std::chrono::milliseconds(options_.snapshot_interval_ms), woken);
    } else {
      cv_.wait(lock, woken);  // no periodic snapshots: requests only
    }
    if (stop_) return;
    snapshot_requested_ = false;
    build_running_ = true;
    lock.unlock();
    try {
      auto r = snapshot_now();
      // Said when it happens: the snapshot age then grows on /metrics, and this is why.
      if (!r.ok()) {
        const std::string next =
            options_.snapshot_interval_ms > 0
                ? "next try in " + std::to_string(options_.snapshot_interval_ms) +
                      " ms or at the next request"
                : "next try at the next request";
        log(r.status().message() + "; the previous snapshot stays in use (a restart replays " +
            "more of the log); " + next);
      }
    } catch (const std::exception&) {
      // Out of memory even for the failure's message (probe 35d): an exception here would
      // end the process; the failure is counted, and the next try says more.
    }
    lock.lock();
    build_running_ = false;
  }
}

// The live ledger's encoding at `last`; out of memory, none (the log holds everything, and
// the next start replays more of it). Nothing may escape: an exception out of close()'s
// call_once left it to run again from the destructor, which aborted (probe 35c).
Status Store::write_shutdown_snapshot(std::uint64_t last) {
  try {
    Phase phase{"encoding the live ledger"};
    LongStep step(options_.log,
                  "stop: shutdown snapshot at lsn " + std::to_string(last) + " (" +
                      std::to_string(codes_in(*ledger_)) + " codes)",
                  [&phase] { return std::string(phase.load()); }, options_.progress);
    std::string bytes;
    ledger_->encode_snapshot(bytes);
    phase = "writing it";
    Status st = write_snapshot_bytes(last, bytes);
    if (st.ok()) {
      step.done("stop: shutdown snapshot " + wal::snapshot_name(last) + " written (" +
                std::to_string(bytes.size()) + " bytes)");
    }
    return st;
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("out of memory writing the shutdown snapshot (") +
                                            e.what() + "); the log holds every write, and the "
                                            "next start replays it");
  }
}

// A build in progress cannot be interrupted: the stop waits for it, and says so when long.
void Store::join_snapshot_thread(bool build_running) {
  if (!build_running) {
    snapshot_thread_.join();
    return;
  }
  LongStep step(options_.log, "stop: waiting for the snapshot build in progress",
                [this] {
                  const std::uint64_t lsn = building_lsn_.load();
                  return lsn ? "lsn " + std::to_string(lsn) : std::string();
                },
                options_.progress);
  snapshot_thread_.join();
  step.done("stop: the snapshot build in progress ended");
}

Status Store::close() {
  std::call_once(closed_, [this] {
    bool build_running = false;
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      build_running = build_running_;
    }
    cv_.notify_all();
    if (snapshot_thread_.joinable()) join_snapshot_thread(build_running);
    if (!writer_) return;
    close_status_ = unavailable(writer_->flush());
    // Traffic has stopped: the live ledger is at exactly the last staged LSN.
    const std::uint64_t last = writer_->last_lsn();
    if (close_status_.ok() && options_.snapshot_on_close && last > last_snapshot_lsn() &&
        ledger_->last_lsn() == last) {
      try {
        close_status_ = note_snapshot_result(last, write_shutdown_snapshot(last));
      } catch (const std::exception&) {  // its message could not be built (probe 35d)
        close_status_ = Status(ErrorCode::kInternal, "out of memory");
      }
    }
    sink_->attach(nullptr);
    Status wal_closed = unavailable(writer_->close());
    if (close_status_.ok()) close_status_ = wal_closed;
    dir_lock_.reset();  // nothing writes here any more: the next server may start
  });
  return close_status_;
}

}  // namespace codeledger::store
