#include "wal/writer.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <vector>

#include "wal/record.h"
#include "wal/thread_name.h"

namespace codeledger::wal {
namespace {

// The first segment after open(), when preallocating: filled on open()'s thread, so small
// (about 30 ms to zero-fill and fsync here).
constexpr std::uint64_t kFirstSegmentBytesMax = std::uint64_t{4} << 20;

}  // namespace

std::string_view to_string(Durability d) {
  switch (d) {
    case Durability::kSync: return "sync";
    case Durability::kAsync: return "async";
    case Durability::kNone: return "none";
  }
  return "?";
}

std::optional<Durability> parse_durability(std::string_view s) {
  for (auto d : {Durability::kSync, Durability::kAsync, Durability::kNone}) {
    if (s == to_string(d)) return d;
  }
  return {};
}

WalWriter::WalWriter(FileSystem& fs, WalOptions options, std::uint64_t next_lsn)
    : fs_(fs),
      options_(std::move(options)),
      next_lsn_(next_lsn),
      staged_last_lsn_(next_lsn - 1),
      durable_lsn_(next_lsn - 1) {
  if (options_.preallocate && syncing()) {
    preallocator_ = std::make_unique<SegmentPreallocator>(
        fs_, options_.dir, options_.segment_bytes_max, ZeroFillPace{},
        [this](const Status& cause) { on_zero_fill_failed(cause); });
  }
  if (syncing() && options_.sync_lanes > 1) {
    lanes_ = std::make_unique<SyncLanes>(
        options_.sync_lanes,
        [this](std::uint64_t lsn, const Status& st, std::uint64_t took_us) {
          on_synced(lsn, st, took_us);
        });
  }
}

Result<std::unique_ptr<WalWriter>> WalWriter::open(FileSystem& fs, WalOptions options,
                                                   std::uint64_t next_lsn) {
  if (next_lsn == 0) return Status(Code::kInvalidArgument, "next_lsn must be at least 1");
  if (options.segment_bytes_max < format::kSegmentBytesMin) {
    return Status(Code::kInvalidArgument, "segment_bytes_max below segment_bytes_min");
  }
  if (options.sync_lanes < 1 || options.sync_lanes > kSyncLanesMax) {
    return Status(Code::kInvalidArgument, "sync_lanes must be 1.." + std::to_string(kSyncLanesMax));
  }
  if (options.group_commit_wait_us > kGroupCommitWaitUsMax ||
      options.group_commit_quiet_us > kGroupCommitWaitUsMax ||
      options.group_commit_spacing_us > kGroupCommitWaitUsMax) {
    return Status(Code::kInvalidArgument,
                  "group_commit_wait_us, group_commit_quiet_us and group_commit_spacing_us must be 0.." +
                                              std::to_string(kGroupCommitWaitUsMax));
  }
  if (options.group_commit_min_records < 2 ||
      options.group_commit_min_records > kGroupCommitMinRecordsMax) {
    return Status(Code::kInvalidArgument,
                  "group_commit_min_records must be 2.." + std::to_string(kGroupCommitMinRecordsMax));
  }
  if (!options.clock_ms) {
    options.clock_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  if (Status st = fs.create_dir(options.dir); !st.ok()) return st;
  std::unique_ptr<WalWriter> w(new WalWriter(fs, std::move(options), next_lsn));
  // A restart must not wait for a whole segment's zero fill (64 MiB took ~1 s under load):
  // the first segment is a small one, and the full-size next one is filled meanwhile.
  const std::uint64_t full = w->options_.segment_bytes_max;
  const std::uint64_t first = w->preallocator_ ? std::min(full, kFirstSegmentBytesMax) : full;
  if (Status st = w->start_segment(next_lsn, first); !st.ok()) return st;
  if (w->preallocator_) w->preallocator_->request();
  w->thread_ = std::thread([p = w.get()] { p->run(); });
  name_thread(w->thread_, "wal-writer");
  return w;
}

WalWriter::~WalWriter() { (void)close(); }

Status WalWriter::start_segment(std::uint64_t first_lsn, std::uint64_t capacity) {
  if (Status st = seal_segment(); !st.ok()) return st;
  const std::string path = join_path(options_.dir, segment_name(first_lsn));
  auto file = new_segment_file(path, capacity);
  if (!file.ok()) return file.status();
  file_ = std::move(*file);
  std::string header;
  encode_segment_header(first_lsn, header);
  if (Status st = file_->write_at(0, header); !st.ok()) return st;
  if (syncing()) {
    if (Status st = file_->sync(); !st.ok()) return st;
  }
  // The header is durable before the name appears: a segment name never shows zeros where
  // its header should be.
  if (preallocator_) {
    if (Status st = fs_.rename(preallocator_->path(), path); !st.ok()) return st;
  }
  if (syncing()) {
    if (Status st = fs_.sync_dir(options_.dir); !st.ok()) return st;
  }
  if (Status st = attach_sync_lanes(path); !st.ok()) return st;
  segment_first_lsn_ = first_lsn;
  segment_bytes_ = header.size();
  segment_capacity_ = capacity;
  segment_has_records_ = false;
  segment_preallocated_ = preallocator_ != nullptr;
  std::lock_guard lock(stats_mu_);
  ++stats_.segments_created;
  return Status::Ok();
}

// A file already named path holds no record recovery kept (else next_lsn would be past it),
// so it is replaced: rewritten from empty, or renamed over by the prepared file.
Result<std::unique_ptr<WritableFile>> WalWriter::new_segment_file(const std::string& path,
                                                                 std::uint64_t capacity) {
  if (!preallocator_) return fs_.open_append(path, true);
  if (capacity < options_.segment_bytes_max) return preallocator_->fill_now(capacity);
  auto taken = preallocator_->take();
  if (taken.ok() && preallocator_->retried()) {
    log("zero fill of the next log segment (" + std::string(format::kPreparedSegmentName) +
        ") retried at rotation and succeeded; writes go on");
  }
  return taken;
}

// Each lane gets its own handle on the new segment (see SyncHandle for why not a shared one).
Status WalWriter::attach_sync_lanes(const std::string& path) {
  if (!lanes_) return Status::Ok();
  std::vector<std::unique_ptr<SyncHandle>> handles;
  for (std::size_t i = 0; i < lanes_->size(); ++i) {
    auto handle = fs_.open_for_sync(path);
    if (!handle.ok()) return handle.status();
    handles.push_back(std::move(*handle));
  }
  lanes_->attach(std::move(handles));
  return Status::Ok();
}

Status WalWriter::seal_segment() {
  if (!file_) return Status::Ok();
  // No fdatasync may be in flight on the segment being cut, and none may follow a failed one.
  if (lanes_) {
    lanes_->detach();
    if (Status st = lane_failure(); !st.ok()) return st;
  }
  // The sealed segment must be complete on disk before records go to the next one, so the
  // reader may treat a short sealed segment as damage rather than a torn tail. A preallocated
  // one is also cut to its written length, so sealed segments have no zero tail; the cut's
  // fsync makes the records durable too.
  Status st = segment_preallocated_ ? file_->truncate(segment_bytes_)
              : syncing()           ? file_->sync()
                                    : Status::Ok();
  if (!st.ok()) return st;
  st = file_->close();
  file_.reset();
  return st;
}

Result<std::uint64_t> WalWriter::append(std::uint8_t type, std::int64_t time_ms,
                                        Encoder encode) {
  if (type == format::kRecordTypeInvalid || type > format::kRecordTypeUserMax) {
    return Status(Code::kInvalidArgument, "record type out of range");
  }
  bool wake = false;
  std::uint64_t lsn = 0;
  {
    std::unique_lock lock(mu_);
    while (staging_.size() >= options_.staging_bytes_max && !stop_ && healthy()) {
      space_cv_.wait(lock);
    }
    if (!healthy()) return failure();
    if (stop_) return Status(Code::kFailed, "wal writer is closed");
    const std::size_t start = begin_record(staging_);
    lsn = next_lsn_;
    time_ms = std::max(time_ms, staged_last_time_ms_);
    try {
      encode(lsn, time_ms, staging_);
    } catch (...) {
      // The staging buffer could not grow (out of memory): a half-written record left in it
      // would be written out and stop the next start (probe 35b). Nothing staged, no LSN used.
      staging_.resize(start);
      throw;
    }
    if (staging_.size() - start - format::kRecordHeaderBytes > format::kRecordPayloadBytesMax) {
      staging_.resize(start);  // nothing staged, no LSN consumed
      return Status(Code::kInvalidArgument, "record payload above record_payload_bytes_max");
    }
    finish_record(staging_, start, lsn, time_ms, type);
    ++next_lsn_;
    staged_last_lsn_ = lsn;
    staged_last_time_ms_ = time_ms;
    // kAsync and kNone batch by time, so only a big backlog wakes the writer early, or the
    // first record after an idle spell (it starts the interval).
    const bool by_time_wake = writer_idle_ || staging_.size() >= options_.async_batch_bytes;
    wake = writer_waiting_ && (batches_by_time() ? by_time_wake : batch_may_start_locked());
    if (wake) writer_waiting_ = false;
  }
  if (wake) work_cv_.notify_one();
  return lsn;
}

std::uint64_t WalWriter::last_lsn() const {
  std::lock_guard lock(mu_);
  return staged_last_lsn_;
}

bool WalWriter::holding_staged_records() const {
  std::lock_guard lock(mu_);
  return writer_waiting_ && !staging_.empty();
}

Status WalWriter::failure() const {
  std::lock_guard lock(waiters_mu_);
  return failure_;
}

WalStats WalWriter::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

void WalWriter::on_durable(std::uint64_t lsn, std::function<void(Status)> done) {
  Status decided;
  bool now = false;
  {
    std::lock_guard lock(waiters_mu_);
    if (lsn <= durable_lsn_.load(std::memory_order_acquire)) {
      now = true;
    } else if (!failure_.ok()) {
      now = true;
      decided = failure_;
    } else {
      waiters_.emplace(lsn, std::move(done));
    }
  }
  if (now) {
    done(decided);
    return;
  }
  if (batches_by_time()) {
    // Someone is waiting: do not make them sit out the whole interval.
    {
      std::lock_guard lock(mu_);
      flush_requested_ = true;
    }
    work_cv_.notify_one();
  }
}

Status WalWriter::wait_durable(std::uint64_t lsn) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  on_durable(lsn, [promise](Status st) { promise->set_value(std::move(st)); });
  return future.get();
}

Status WalWriter::flush() { return wait_durable(last_lsn()); }

void WalWriter::set_snapshot_lsn(std::uint64_t lsn) {
  snapshot_lsn_.store(lsn, std::memory_order_release);
  {
    std::lock_guard lock(mu_);
    retention_requested_ = true;
  }
  work_cv_.notify_one();
}

Status WalWriter::close() {
  std::call_once(closed_, [this] {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_one();
    space_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (file_) (void)file_->close();
    stop_preallocating();
  });
  return failure();
}

// Waits until there is something to do; false when the thread should exit.
bool WalWriter::wait_for_work(std::unique_lock<std::mutex>& lock) {
  auto ready = [&] {
    return stop_ || retention_requested_ || !lane_failure_.ok() ||
           (!staging_.empty() && batch_may_start_locked());
  };
  if (batches_by_time()) {
    const auto interval = std::chrono::milliseconds(options_.fsync_interval_ms);
    auto deadline = std::chrono::steady_clock::now() + interval;
    auto urgent = [&] {
      return stop_ || retention_requested_ || flush_requested_ || !lane_failure_.ok() ||
             staging_.size() >= options_.async_batch_bytes;
    };
    while (!urgent()) {
      writer_waiting_ = true;
      if (staging_.empty()) {
        // Nothing to write: sleep until a record comes (append wakes an idle writer), not
        // once an interval for nothing; the interval then starts with that record.
        writer_idle_ = true;
        work_cv_.wait(lock);
        writer_idle_ = false;
        deadline = std::chrono::steady_clock::now() + interval;
        continue;
      }
      if (work_cv_.wait_until(lock, deadline) == std::cv_status::timeout) break;
    }
    writer_waiting_ = false;
    flush_requested_ = false;
  } else {
    while (!ready()) {
      writer_waiting_ = true;
      work_cv_.wait(lock);
    }
    writer_waiting_ = false;
  }
  // A retention request that raced with close() still runs before the thread stops.
  return !(stop_ && staging_.empty() && !retention_requested_ && lane_failure_.ok());
}

// kSync with one lane: once a batch held group_commit_min_records or more (many writers are
// sending at once), the next one waits for more before it is written and fdatasynced, as
// long as records keep coming (a quiet spell of group_commit_quiet_us, when set, ends the
// wait) and at most group_commit_wait_us. Why: each fdatasync costs this kind of VM about
// 100 µs of CPU besides the disk's time, and more records per fdatasync leave that CPU to the
// io threads (through HTTP, 64 connections: 1.02-1.19x the sync requests of no wait). Why
// only after big batches, and the quiet rule: a few writers are all in the batch already,
// and there a wait only delays it (4 connections: 0.54-0.71x the requests with a wait after
// every batch of two or more; docs/benchmarks-history.md, session 11). Ends early on
// close or a failed lane, and skipped or ended once every tracked producer is idle
// (track_producers): then nothing more is coming until clients get their answers, which
// wait on this very batch (through HTTP, 64 connections: 1.06-1.08x the sync link
// requests, docs/benchmarks-history.md, session 19). With tracked producers that makes the
// quiet rule redundant (off by default since session 25).
void WalWriter::gather_concurrent_writes(std::unique_lock<std::mutex>& lock) {
  if (options_.group_commit_wait_us == 0 || batches_by_time() || lanes_ ||
      last_batch_records_ < options_.group_commit_min_records || staging_.empty() ||
      producers_idle()) {
    return;
  }
  {
    std::lock_guard stats_lock(stats_mu_);
    ++stats_.group_commit_waits;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::microseconds(options_.group_commit_wait_us);
  const auto quiet = std::chrono::microseconds(options_.group_commit_quiet_us);
  const auto stopping = [&] { return stop_ || !lane_failure_.ok() || producers_idle(); };
  gathering_.store(true);  // seq_cst with busy_producers_: see producer_idle()
  std::size_t seen = staging_.size();
  for (;;) {
    const auto until = quiet.count() > 0 ? std::min(deadline, Clock::now() + quiet) : deadline;
    if (work_cv_.wait_until(lock, until, stopping)) break;
    if (Clock::now() >= deadline || staging_.size() == seen) break;
    seen = staging_.size();
  }
  gathering_.store(false);
}

// kSync with one lane (WalOptions::group_commit_spacing_us says why): records staged while
// the last batch was written and synced keep the next fdatasync until spacing_us after the
// last one started. Ends early on close or a failed lane.
void WalWriter::space_syncs(std::unique_lock<std::mutex>& lock) {
  if (options_.group_commit_spacing_us == 0 || batches_by_time() || lanes_ || !staged_during_sync_ ||
      staging_.empty()) {
    return;
  }
  const auto until = last_sync_started_ + std::chrono::microseconds(options_.group_commit_spacing_us);
  if (std::chrono::steady_clock::now() >= until) return;
  {
    std::lock_guard stats_lock(stats_mu_);
    ++stats_.group_commit_spacings;
  }
  work_cv_.wait_until(lock, until, [&] { return stop_ || !lane_failure_.ok(); });
}

void WalWriter::track_producers(unsigned n) {
  busy_producers_.store(static_cast<int>(n), std::memory_order_release);
  producers_tracked_.store(true, std::memory_order_release);
}

// Sequentially consistent, like the writer's store of gathering_ before it reads
// busy_producers_: of the two threads, at least one sees the other's store, so either the
// writer finds every producer idle or this call finds it gathering (with acquire/release
// both could miss, and the wait would run to its quiet spell).
void WalWriter::producer_idle() {
  if (busy_producers_.fetch_sub(1) != 1) return;
  if (!gathering_.load()) return;
  // Taking mu_ orders this wake after the writer's check of producers_idle(): not lost.
  { std::lock_guard lock(mu_); }
  work_cv_.notify_one();
}

void WalWriter::run() {
  std::string batch;
  for (;;) {
    // Take the next batch only once a lane can sync it: until then it keeps growing.
    if (lanes_) lanes_->wait_free();
    std::uint64_t batch_last = 0;
    bool retention = false;
    Status failed_sync;
    {
      std::unique_lock lock(mu_);
      if (!wait_for_work(lock)) break;
      space_syncs(lock);
      gather_concurrent_writes(lock);
      failed_sync = lane_failure_;
      batch.clear();
      if (failed_sync.ok()) {
        batch.swap(staging_);
        batch_last = staged_last_lsn_;
      }
      retention = std::exchange(retention_requested_, false);
    }
    if (!failed_sync.ok()) return stop_on_failure(failed_sync);
    space_cv_.notify_all();
    if (!batch.empty()) {
      if (Status st = write_batch(batch); !st.ok()) return stop_on_failure(st);
      if (lanes_) {
        {
          std::lock_guard lock(mu_);
          ++syncs_in_flight_;
        }
        lanes_->submit(batch_last);
      } else if (syncing()) {
        if (Status st = sync_batch(batch_last); !st.ok()) return stop_on_failure(st);
      } else {
        publish(batch_last);
      }
      // Half full: zero-fill the next segment in the background, so rotation need not.
      if (preallocator_ && segment_bytes_ >= segment_capacity_ / 2) {
        preallocator_->request();
      }
    }
    if (retention) apply_retention();
  }
  // Clean close: the last segment is sealed like a rotated one (which waits for the lanes).
  Status sealed = seal_segment();
  stop_preallocating();
  if (!sealed.ok()) fail(sealed);
}

// One lane: the writer fdatasyncs on its own thread. A hand-off to a lane thread would add
// a wake-up per batch while the writer only waited for it (through HTTP with 64 closed-loop
// connections: 1.05-1.12x the sync link requests, docs/benchmarks-history.md, session 6).
Status WalWriter::sync_batch(std::uint64_t lsn) {
  last_sync_started_ = std::chrono::steady_clock::now();
  const TimedSync synced = timed_sync(*file_);
  {
    std::lock_guard lock(mu_);
    staged_during_sync_ = !staging_.empty();
  }
  record_fsync(synced.took_us);
  if (synced.status.ok()) publish(lsn);
  return synced.status;
}

void WalWriter::record_fsync(std::uint64_t took_us) {
  std::lock_guard lock(stats_mu_);
  ++stats_.fsyncs;
  stats_.fsync_us.add(took_us);
}

// On a sync lane's thread.
void WalWriter::on_synced(std::uint64_t lsn, const Status& st, std::uint64_t took_us) {
  if (!st.ok()) {
    // Before the slot is freed: no batch taken after this one may be published past it.
    std::lock_guard lock(waiters_mu_);
    sync_failed_ = true;
  }
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    --syncs_in_flight_;  // a batch held back for this sync (overlap_min_bytes) may go now
    if (!st.ok() && lane_failure_.ok()) lane_failure_ = st;  // the writer fails the log
    wake = !st.ok() || (writer_waiting_ && !staging_.empty());
  }
  if (wake) work_cv_.notify_one();
  record_fsync(took_us);
  if (st.ok()) publish(lsn);
}

Status WalWriter::lane_failure() const {
  std::lock_guard lock(mu_);
  return lane_failure_;
}

// Nothing may still be syncing or zero-filling once the failure is visible.
void WalWriter::stop_on_failure(const Status& cause) {
  if (lanes_) lanes_->drain();
  stop_preallocating();
  fail(cause);
}

// Writes go on in the current segment; the rotation that needs the prepared file fills it
// again on the writer's thread, and only a second failure there fails the log
// (SegmentPreallocator::take; docs/wal-format.md).
void WalWriter::on_zero_fill_failed(const Status& cause) {
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.zero_fill_failures;
  }
  if (!healthy()) return;  // the log has failed already and said why: "writes go on" is past
  log("zero fill of the next log segment (" + std::string(format::kPreparedSegmentName) +
      ") failed: " + cause.message() + "; writes go on in the current segment, and the " +
      "rotation when it is full fills the file again: free disk space before then, or the " +
      "log fails and refuses writes until restart");
}

void WalWriter::stop_preallocating() {
  if (preallocator_) preallocator_->discard();
}

// Records of batch (from its start) that fit in the current segment; at least one record
// when the segment has none yet, so an oversized record still gets written.
std::size_t WalWriter::fitting_prefix(std::string_view batch) const {
  std::size_t take = 0;
  while (take < batch.size()) {
    std::size_t n = format::kRecordHeaderBytes +
                    get_u32(batch.data() + take + format::kRecordLengthOffset);
    bool must_take = !segment_has_records_ && take == 0;
    if (!must_take && segment_bytes_ + take + n > segment_capacity_) break;
    take += n;
  }
  return take;
}

Status WalWriter::write_batch(std::string_view batch) {
  std::uint64_t records = 0;
  const std::size_t total = batch.size();
  while (!batch.empty()) {
    std::size_t take = fitting_prefix(batch);
    if (take == 0) {
      bool had_retention = options_.retention.age_ms_max > 0 || options_.retention.total_bytes_max > 0;
      if (Status st = start_segment(get_u64(batch.data() + format::kRecordLsnOffset),
                                    options_.segment_bytes_max);
          !st.ok()) {
        return st;
      }
      if (had_retention) apply_retention();
      continue;
    }
    if (Status st = file_->write_at(segment_bytes_, batch.substr(0, take)); !st.ok()) return st;
    for (std::size_t at = 0; at < take; ++records) {
      at += format::kRecordHeaderBytes + get_u32(batch.data() + at + format::kRecordLengthOffset);
    }
    segment_bytes_ += take;
    segment_has_records_ = true;
    batch.remove_prefix(take);
  }
  last_batch_records_ = records;  // the writer thread's own: gather_concurrent_writes reads it
  std::lock_guard lock(stats_mu_);
  ++stats_.batches;
  stats_.batch_records.add(records);
  stats_.records += records;
  stats_.bytes += total;
  return Status::Ok();
}

// Monotonic: lanes may finish out of order, and a late one's lsn is already covered.
void WalWriter::publish(std::uint64_t lsn) {
  std::vector<std::function<void(Status)>> ready;
  {
    std::lock_guard lock(waiters_mu_);
    if (sync_failed_ || !failure_.ok()) return;
    if (lsn <= durable_lsn_.load(std::memory_order_relaxed)) return;
    durable_lsn_.store(lsn, std::memory_order_release);
    auto end = waiters_.upper_bound(lsn);
    for (auto it = waiters_.begin(); it != end; ++it) ready.push_back(std::move(it->second));
    waiters_.erase(waiters_.begin(), end);
  }
  for (auto& done : ready) done(Status::Ok());
}

void WalWriter::fail(const Status& cause) {
  std::multimap<std::uint64_t, std::function<void(Status)>> pending;
  Status sticky(Code::kFailed, "wal failed, writes refused until restart: " + cause.message());
  bool first = false;
  {
    std::lock_guard lock(waiters_mu_);
    first = failure_.ok();
    failure_ = sticky;
    failed_.store(true, std::memory_order_release);
    pending.swap(waiters_);
  }
  // Now, not at shutdown: from here on every write is answered 503, and the operator must
  // see why while it happens.
  if (first) {
    log(sticky.message() +
        " (reads are still served; free disk space or fix the disk, then restart)");
  }
  {
    std::lock_guard lock(mu_);
    staging_.clear();  // never written: those records were never acknowledged
  }
  space_cv_.notify_all();
  for (auto& [lsn, done] : pending) done(sticky);
}

}  // namespace codeledger::wal
