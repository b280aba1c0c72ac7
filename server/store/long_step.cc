#include "server/store/long_step.h"

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <system_error>

#include "wal/thread_name.h"

namespace codeledger::store {

std::string megabytes(std::uint64_t bytes) {
  char buf[32];
  const double mb = static_cast<double>(bytes) / 1e6;
  std::snprintf(buf, sizeof buf, mb < 10 ? "%.1f MB" : "%.0f MB", mb);
  return buf;
}

LongStep::LongStep(Log log, std::string what, std::function<std::string()> how_far,
                   StepTiming timing)
    : log_(std::move(log)), what_(std::move(what)), how_far_(std::move(how_far)), timing_(timing) {
  if (!log_) return;
  if (timing_.quiet_ms <= 0) {
    std::lock_guard lock(mu_);
    say();
    if (timing_.every_ms <= 0) return;
  }
  // The helper takes no signal, from its first instruction: codeledgerd's and ledgerctl's
  // signal handling (a thread that waits for them) must not see one delivered there, nor a
  // default action end the process there. So it starts with every signal blocked.
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  try {
    thread_ = std::thread([this] { run(); });
    wal::name_thread(thread_, "progress");
  } catch (const std::system_error&) {
    // No thread (out of memory or of address space for its stack): the step runs silent
    // rather than failing for its progress lines.
  }
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

LongStep::~LongStep() { finish(); }

void LongStep::say() {
  std::string line = what_;
  if (how_far_) {
    if (std::string far = how_far_(); !far.empty()) line += ": " + far;
  }
  log_(line + ", " + elapsed_text());
  said_ = true;
}

void LongStep::run() {
  std::unique_lock lock(mu_);
  auto next = started_ + std::chrono::milliseconds(said_ ? timing_.every_ms : timing_.quiet_ms);
  for (;;) {
    if (cv_.wait_until(lock, next, [&] { return finished_; })) return;
    say();
    if (timing_.every_ms <= 0) return;
    // From now, not from the missed tick: a host too busy to wake this thread on time gets
    // the next line a second later, not a burst of them.
    next = Clock::now() + std::chrono::milliseconds(timing_.every_ms);
  }
}

void LongStep::finish() {
  {
    std::lock_guard lock(mu_);
    finished_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LongStep::done(const std::string& text, bool with_time) {
  finish();
  if (!said()) return;
  log_(with_time ? text + " in " + elapsed_text() : text);
}

bool LongStep::said() const {
  std::lock_guard lock(mu_);
  return said_;
}

double LongStep::elapsed_s() const {
  return std::chrono::duration<double>(Clock::now() - started_).count();
}

std::string LongStep::elapsed_text() const {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f s", elapsed_s());
  return secs;
}

}  // namespace codeledger::store
