// A long step said on a log, for the operator who waits on it: nothing while it is short,
// then a line once it has run for a second and one a second after that, each saying how far
// it got, and a last line with its time when it ends. codeledgerd says so its start-up
// (snapshot load, log replay), its snapshot builds and its stop (in-flight requests, bulk
// calls, a build in progress, the shutdown snapshot); ledgerctl its snapshot checks and
// decodes. Much of that work is one call that cannot report as it goes (a snapshot's
// decode), so the lines come from a helper thread that only reads what the step publishes
// (atomics, through how_far).
//
//   LongStep step(log, "recovery: loading snapshot snap-....snap (466 MB, covers lsn 9)",
//                 [&] { return std::string(phase.load()); });
//   ...                               // after 1 s: "<what>: decoding, 1.0 s", then each second
//   step.done("recovery: loaded ...");  // when a line was printed: "<text> in 13.7 s"
//
// A short step prints nothing at all, so a quick start or stop says no more than before.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace codeledger::store {

struct StepTiming {
  std::int64_t quiet_ms = 1000;  // nothing before this; 0: the first line at once, on the caller
  std::int64_t every_ms = 1000;  // then a line this often; 0: the first line only
};

class LongStep {
 public:
  using Log = std::function<void(const std::string&)>;
  // Lines are "<what>: <how_far()>, <seconds> s" ("<what>, <seconds> s" when how_far is
  // empty or not given). how_far runs on the helper thread: it may read only what is safe to
  // read while the step runs. Without memory for the helper thread, the step runs silent.
  LongStep(Log log, std::string what, std::function<std::string()> how_far = {},
           StepTiming timing = {});
  // Without done(): no last line (a failure is said by whoever reports it).
  ~LongStep();
  LongStep(const LongStep&) = delete;
  LongStep& operator=(const LongStep&) = delete;

  // Ends the step; when a line was printed for it, one more: "<text> in <seconds> s" (or
  // "<text>" as it is, without `with_time`).
  void done(const std::string& text, bool with_time = true);
  bool said() const;
  double elapsed_s() const;
  std::string elapsed_text() const;  // "12.3 s"

 private:
  using Clock = std::chrono::steady_clock;
  void say();  // with mu_ held
  void run();
  void finish();

  Log log_;
  const std::string what_;
  const std::function<std::string()> how_far_;
  const StepTiming timing_;
  const Clock::time_point started_ = Clock::now();
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool finished_ = false;  // guarded by mu_
  bool said_ = false;      // guarded by mu_
  std::thread thread_;
};

// "466 MB" (one decimal below 10 MB): snapshot sizes in progress lines.
std::string megabytes(std::uint64_t bytes);

}  // namespace codeledger::store
