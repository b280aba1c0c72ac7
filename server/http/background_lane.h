// One thread for the few handlers that run long (bulk code generation, import and export):
// on an io thread they would hold every other connection of that thread meanwhile (a
// 1,000,000-code generate took 1.24-1.39 s there, and a /healthz on the same thread waited
// 0.95 s; docs/operations.md). A route marked Lane::kBackground is matched, authenticated,
// rate limited and scope-checked on the io thread as any other (so refusals never queue
// here); only its handler runs here, and the answer is posted back to the session's own io
// thread.
//
// One thread, so long jobs run one after another: they are admin calls, and the ledger's
// shard locks would serialise most of their work anyway. At most jobs_max jobs are queued or
// running (limits.background_jobs_max); try_post refuses the next, and the session answers
// 503. stop() waits for the job running and every job queued: their handlers touch the
// ledger and the log, which must outlive them.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "wal/thread_name.h"

namespace codeledger::server {

class BackgroundLane {
 public:
  explicit BackgroundLane(std::size_t jobs_max)
      : jobs_max_(jobs_max), guard_(ioc_.get_executor()), thread_([this] { ioc_.run(); }) {
    wal::name_thread(thread_, "http-background");
  }
  ~BackgroundLane() { stop(); }
  BackgroundLane(const BackgroundLane&) = delete;
  BackgroundLane& operator=(const BackgroundLane&) = delete;

  // False (and the job dropped) when jobs_max jobs are already queued or running.
  bool try_post(std::function<void()> job) {
    if (jobs_.fetch_add(1, std::memory_order_relaxed) >= jobs_max_) {
      jobs_.fetch_sub(1, std::memory_order_relaxed);
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    boost::asio::post(ioc_, [this, job = std::move(job)] {
      job();
      jobs_.fetch_sub(1, std::memory_order_relaxed);
    });
    return true;
  }

  // For /metrics: jobs queued or running now, and jobs refused since start.
  std::size_t jobs() const { return jobs_.load(std::memory_order_relaxed); }
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

  // Runs what is queued, then ends the thread. Idempotent.
  void stop() {
    guard_.reset();
    if (thread_.joinable()) thread_.join();
  }

 private:
  const std::size_t jobs_max_;
  std::atomic<std::size_t> jobs_{0};  // queued or running
  std::atomic<std::uint64_t> refused_{0};
  boost::asio::io_context ioc_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;  // last: starts once the members it runs are built
};

}  // namespace codeledger::server
