// SIGINT, SIGTERM and SIGHUP for codeledgerd's whole life. Left to their default actions they
// end the process wherever it is: SIGHUP during a long recovery, or a second SIGTERM during
// the graceful stop, before the shutdown snapshot. So main blocks them before any other
// thread exists (every later thread inherits the mask) and one thread takes them with
// sigwait and acts by the phase the process is in:
//
//   phase        SIGTERM / SIGINT                          SIGHUP
//   starting     remembered and logged: the log's replay   logged and ignored (the
//                stops at its next batch (or main stops    configuration was read a
//                once recovery returns), without serving   moment ago)
//   serving      logged; wait_for_stop() returns: the      reload(), on the signal thread
//                graceful stop begins
//   stopping     logged; changes nothing                   logged; changes nothing
//
// Every line goes to stderr through log_line.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace codeledger::server {

// "codeledgerd: <text>" and a newline on stderr in one write, so a line from the signal
// thread never interleaves with another thread's: the lines about signals and reloads.
void log_line(std::string_view text);

class ProcessSignals {
 public:
  // Blocks the three signals in the calling thread and starts the signal thread. Construct
  // it first thing in main, before any other thread starts.
  ProcessSignals();
  // Wakes and joins the signal thread; the signals stay blocked until exit, so one that
  // comes later still changes nothing.
  ~ProcessSignals();
  ProcessSignals(const ProcessSignals&) = delete;
  ProcessSignals& operator=(const ProcessSignals&) = delete;

  // SIGTERM or SIGINT if one has come (in any phase), else 0.
  int stop_signal() const;
  // starting -> serving: from now on SIGHUP calls `reload` (on the signal thread, one at a
  // time). If a stop signal came while starting, the phase is stopping at once.
  void serving(std::function<void()> reload);
  // Blocks until a stop signal has come; returns it. The phase is stopping from then on.
  int wait_for_stop();

  // "SIGTERM", "SIGINT", "SIGHUP" (else "signal N"), for log lines.
  static std::string name(int signo);

 private:
  void loop();
  void on_signal(int signo);

  mutable std::mutex mu_;
  std::condition_variable stopped_cv_;
  int stop_signal_ = 0;                // guarded by mu_; non-zero: the phase is stopping
  std::function<void()> reload_;       // guarded by mu_; set: the phase is serving
  std::thread thread_;                 // last: started once everything above exists
};

}  // namespace codeledger::server
