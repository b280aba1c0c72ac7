#include "server/http/process_signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <ctime>
#include <iostream>
#include <string>

#include "ledger/status.h"
#include "wal/thread_name.h"

namespace codeledger::server {
namespace {

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

// Sent by the destructor to the signal thread alone (pthread_kill), so the thread sleeps in
// sigwaitinfo until there is something to do instead of waking on a timer.
int wake_signal() { return SIGRTMIN; }

sigset_t blocked_signals() {
  sigset_t set = handled_signals();
  sigaddset(&set, wake_signal());
  return set;
}

}  // namespace

void log_line(std::string_view text) {
  std::cerr << ("codeledgerd: " + std::string(text) + "\n") << std::flush;
}

ProcessSignals::ProcessSignals() {
  const sigset_t set = blocked_signals();
  CL_CHECK(pthread_sigmask(SIG_BLOCK, &set, nullptr) == 0);
  thread_ = std::thread([this] { loop(); });
  wal::name_thread(thread_, "signals");
}

ProcessSignals::~ProcessSignals() {
  CL_CHECK(pthread_kill(thread_.native_handle(), wake_signal()) == 0);
  thread_.join();
}

std::string ProcessSignals::name(int signo) {
  switch (signo) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "signal " + std::to_string(signo);
  }
}

int ProcessSignals::stop_signal() const {
  std::lock_guard lock(mu_);
  return stop_signal_;
}

void ProcessSignals::serving(std::function<void()> reload) {
  std::lock_guard lock(mu_);
  if (stop_signal_ == 0) reload_ = std::move(reload);
}

int ProcessSignals::wait_for_stop() {
  std::unique_lock lock(mu_);
  stopped_cv_.wait(lock, [this] { return stop_signal_ != 0; });
  return stop_signal_;
}

// Signals still pending when the wake signal comes are taken and logged too, so one sent
// during the stop's last moments is not dropped without a word.
void ProcessSignals::loop() {
  const sigset_t set = blocked_signals();
  for (;;) {
    siginfo_t info{};
    const int signo = sigwaitinfo(&set, &info);
    if (signo < 0) continue;  // EINTR
    if (signo != wake_signal()) {
      on_signal(signo);
    } else if (info.si_pid == ::getpid()) {
      break;  // the destructor's, not one sent from another process
    }
  }
  const sigset_t handled = handled_signals();
  const timespec now{0, 0};
  for (int signo; (signo = sigtimedwait(&handled, nullptr, &now)) > 0;) on_signal(signo);
}

// Under mu_ throughout, reload included: wait_for_stop() cannot return, and main cannot
// destroy what reload touches, while a reload runs.
void ProcessSignals::on_signal(int signo) {
  std::lock_guard lock(mu_);
  if (stop_signal_ != 0) {
    log_line(name(signo) + " during the stop: ignored; the stop goes on (in-flight requests, "
             "final fsync, snapshot)");
    return;
  }
  if (signo == SIGHUP) {
    if (reload_) {
      reload_();
    } else {
      log_line("SIGHUP before serving: ignored (the configuration was read at start)");
    }
    return;
  }
  stop_signal_ = signo;
  if (reload_) {
    reload_ = nullptr;
    log_line(name(signo) + ": stopping (no new connections; in-flight requests finish, then "
             "final fsync and snapshot)");
  } else {
    log_line(name(signo) + " during start-up: stopping before serving (a log replay in "
             "progress stops at its next batch; a snapshot being loaded finishes first)");
  }
  stopped_cv_.notify_all();
}

}  // namespace codeledger::server
