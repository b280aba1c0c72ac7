#include "wal/sync_lanes.h"

#include <algorithm>
#include <chrono>

#include "wal/thread_name.h"

namespace codeledger::wal {

TimedSync timed_sync(SyncHandle& handle) {
  const auto started = std::chrono::steady_clock::now();
  Status st = handle.sync();
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  return {std::move(st), static_cast<std::uint64_t>(took.count())};
}

SyncLanes::SyncLanes(std::size_t lanes, Done done) : done_(std::move(done)) {
  lanes_.resize(std::max<std::size_t>(1, lanes));
  for (auto& lane : lanes_) {
    lane = std::make_unique<Lane>();
    lane->thread = std::thread([this, l = lane.get()] { run(*l); });
    name_thread(lane->thread, "wal-sync-lane");
  }
}

SyncLanes::~SyncLanes() {
  drain();
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& lane : lanes_) lane->thread.join();
}

void SyncLanes::attach(std::vector<std::unique_ptr<SyncHandle>> handles) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < lanes_.size() && i < handles.size(); ++i) {
    lanes_[i]->handle = std::move(handles[i]);
  }
}

void SyncLanes::detach() {
  drain();
  std::lock_guard lock(mu_);
  for (auto& lane : lanes_) lane->handle.reset();
}

bool SyncLanes::any_free_locked() const {
  return std::any_of(lanes_.begin(), lanes_.end(), [](const auto& l) { return !l->busy; });
}

void SyncLanes::wait_free() {
  std::unique_lock lock(mu_);
  free_cv_.wait(lock, [&] { return any_free_locked(); });
}

void SyncLanes::submit(std::uint64_t lsn) {
  {
    std::unique_lock lock(mu_);
    free_cv_.wait(lock, [&] { return any_free_locked(); });
    auto lane = std::find_if(lanes_.begin(), lanes_.end(), [](const auto& l) { return !l->busy; });
    (*lane)->lsn = lsn;
    (*lane)->busy = true;
  }
  work_cv_.notify_all();
}

void SyncLanes::drain() {
  std::unique_lock lock(mu_);
  free_cv_.wait(lock, [&] {
    return std::none_of(lanes_.begin(), lanes_.end(), [](const auto& l) { return l->busy; });
  });
}

void SyncLanes::run(Lane& lane) {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_ || lane.busy; });
    if (!lane.busy) return;  // stop, nothing left to sync
    SyncHandle* handle = lane.handle.get();
    const std::uint64_t lsn = lane.lsn;
    lock.unlock();
    const TimedSync synced =
        handle != nullptr ? timed_sync(*handle)
                          : TimedSync{Status(Code::kFailed, "sync lane has no open segment")};
    done_(lsn, synced.status, synced.took_us);
    lock.lock();
    lane.busy = false;
    free_cv_.notify_all();
  }
}

}  // namespace codeledger::wal
