#include "bench/load/runner.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include "bench/load/connection.h"

namespace codeledger::bench {
namespace {

constexpr auto kDrainMax = std::chrono::seconds(3);   // in-flight answers after the deadline
constexpr std::size_t kSecondsSlack = 5;              // timeline slots past the duration
constexpr auto kProgressEvery = std::chrono::seconds(1);
constexpr auto kPollEvery = std::chrono::milliseconds(20);
// Open-loop slots due this close to the end are not counted unsent: one just before the
// deadline may still be on its way out when the stop comes (every open loop of run BT showed
// one such slot), and a stall that matters is far longer.
constexpr auto kUnsentGrace = std::chrono::milliseconds(10);
// A second's line waits this long past its end, so that the client threads, which publish a
// second's p99 with their first answer of the next, have done so even at a few requests a second.
constexpr auto kProgressLag = std::chrono::milliseconds(150);

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// --spin: the client thread never sleeps. It polls its io_context and sends what its schedule
// (the pacer, or with --pool the shared schedule) holds as each slot comes. Its busy time is
// the loop's turns that did something (an answer, a send), so client_cpu_pct still says how
// near the load generator came to its limit rather than a constant 100 %.
double spin(net::io_context& ioc, SlotSource& schedule, const RunControl& run) {
  auto keep_running = net::make_work_guard(ioc);  // while every connection waits in the schedule
  Clock::duration busy{};
  auto turn_start = Clock::now();
  while (!ioc.stopped()) {
    const std::size_t handled = ioc.poll();
    const auto now = Clock::now();
    const std::size_t sent = schedule.release_due(now);
    if (handled + sent > 0) busy += now - turn_start;
    turn_start = now;
    if (run.stop.load(std::memory_order_relaxed) && schedule.empty()) keep_running.reset();
  }
  return std::chrono::duration<double>(busy).count();
}

struct ThreadTotals {
  std::uint64_t completed = 0, failed = 0, connect_failures = 0;
};

ThreadTotals totals(const std::vector<std::unique_ptr<ThreadStats>>& stats) {
  ThreadTotals t;
  for (const auto& s : stats) {
    t.completed += s->completed.load(std::memory_order_relaxed);
    t.failed += s->failed.load(std::memory_order_relaxed);
    t.connect_failures += s->connect_failures.load(std::memory_order_relaxed);
  }
  return t;
}

std::string as_ms(std::uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1000);
  return buf;
}

// The progress line's p99 for `second` while the run goes on: the highest the client threads
// published (with one client thread, its p99), or "-" while none has.
std::string live_p99(const std::vector<std::unique_ptr<ThreadStats>>& stats, std::size_t second) {
  std::optional<std::uint64_t> highest;
  for (const auto& s : stats) {
    if (const auto p99 = finished_p99_us(*s, second)) highest = std::max(highest.value_or(0), *p99);
  }
  return highest ? as_ms(*highest) : "-";
}

// The same once the client threads are joined, from their own histograms: the run's last
// second has no later answer to publish its p99.
std::string joined_p99(const std::vector<std::unique_ptr<ThreadStats>>& stats, std::size_t second) {
  std::optional<std::uint64_t> highest;
  for (const auto& s : stats) {
    if (second >= s->per_second.size() || s->per_second[second].count() == 0) continue;
    highest = std::max(highest.value_or(0), s->per_second[second].percentile(99) / 1000);
  }
  return highest ? as_ms(*highest) : "-";
}

// One progress line a second on stderr: the counts as they stood at the second's end, the
// p99 once the client threads have published it. Its errors are the report's errors (failed
// connects sent no request: they are shown apart, as the report keeps them).
class ProgressLine {
 public:
  ProgressLine(bool on, Clock::time_point start, const std::vector<std::unique_ptr<ThreadStats>>& stats)
      : on_(on), start_(start), tick_(start + kProgressEvery), stats_(stats) {}

  // While the run goes on: notes the counts at each second's end, and prints the second's
  // line once its p99 is out.
  void at(Clock::time_point now) {
    if (!at_tick_ && now >= tick_) at_tick_ = totals(stats_);
    if (!at_tick_ || now < tick_ + kProgressLag) return;
    print(live_p99(stats_, second_index()));
  }

  // After the client threads are joined: the line of a whole second the run ended in or at
  // (the last second's, which the loop leaves at the deadline before its p99 is out).
  void after_run() {
    if (at_tick_) print(joined_p99(stats_, second_index()));
  }

 private:
  std::size_t second_index() const {
    return static_cast<std::size_t>(std::chrono::duration_cast<std::chrono::seconds>(tick_ - start_).count() - 1);
  }

  void print(const std::string& p99) {
    if (on_) {
      std::fprintf(stderr, "[%4zus] %9llu req/s  total %11llu  errors %llu  p99 %s", second_index() + 1,
                   static_cast<unsigned long long>(at_tick_->completed - completed_before_),
                   static_cast<unsigned long long>(at_tick_->completed),
                   static_cast<unsigned long long>(at_tick_->failed), p99.c_str());
      if (at_tick_->connect_failures > 0) {
        std::fprintf(stderr, "  connect_failures %llu", static_cast<unsigned long long>(at_tick_->connect_failures));
      }
      std::fputc('\n', stderr);
    }
    completed_before_ = at_tick_->completed;
    at_tick_.reset();
    tick_ += kProgressEvery;
  }

  bool on_;
  Clock::time_point start_, tick_;
  const std::vector<std::unique_ptr<ThreadStats>>& stats_;
  std::uint64_t completed_before_ = 0;
  std::optional<ThreadTotals> at_tick_;  // the counts at tick_, its line not yet printed
};

// Sleeps through the measured window, driving the progress line, until the deadline or the
// request cap stops the run; returns when it saw that. It wakes at the deadline itself, not at
// its next poll after it.
Clock::time_point watch(RunControl& run, ProgressLine& progress) {
  const auto deadline = run.deadline();
  while (!run.stop.load() && Clock::now() < deadline) {
    std::this_thread::sleep_until(std::min(Clock::now() + kPollEvery, deadline));
    progress.at(Clock::now());
  }
  const auto stopped = Clock::now();
  run.stop.store(true);
  return stopped;
}

}  // namespace

// A run the request cap ended is measured to its last answer: the watcher notices the stop
// only at its next poll, up to kPollEvery later, which made a short run's rate up to 20 ms of
// its window too low (probe 41c: 20 requests in 1.5 ms read as 0.021 s).
Clock::time_point window_end(bool capped, Clock::time_point start,
                             const std::vector<std::unique_ptr<ThreadStats>>& stats,
                             Clock::time_point stopped) {
  if (!capped) return stopped;
  Clock::time_point last{};
  for (const auto& s : stats) last = std::max(last, s->last_answer);
  return last > start ? last : stopped;
}

RunResult run_load(const Options& o, const Plan& plan) {
  RunResult result;
  const std::size_t seconds = static_cast<std::size_t>(std::ceil(o.duration_s)) + kSecondsSlack;
  RunControl run{o, plan, tcp::endpoint(net::ip::make_address(o.address), o.port), Clock::now()};
  std::vector<std::unique_ptr<net::io_context>> iocs;
  std::vector<std::unique_ptr<Workload>> workloads;
  std::vector<Pacer> pacers(o.spin && !o.pool ? o.threads : 0);
  const std::uint64_t seed = o.seed != 0 ? o.seed : static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
  for (unsigned t = 0; t < o.threads; ++t) {
    iocs.push_back(std::make_unique<net::io_context>(1));
    workloads.push_back(std::make_unique<Workload>(plan, seed + t * 7919, t));
    result.threads.push_back(std::make_unique<ThreadStats>(seconds));
  }
  // Open loop: each connection owns every C-th slot of the total schedule.
  const auto interval = o.rate_rps > 0
      ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.connections / o.rate_rps))
      : Clock::duration::zero();
  run.start = Clock::now();
  // --pool: each client thread owns every T-th slot of the total schedule instead, and sends
  // each on whichever of its connections is idle. Declared after the io_contexts: the
  // schedules hold connections and timers that must go first.
  std::vector<std::unique_ptr<net::steady_timer>> pool_timers;
  std::vector<std::unique_ptr<SharedSchedule>> shared;
  const auto thread_interval = o.pool ? std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(o.threads / o.rate_rps))
                                      : Clock::duration::zero();
  for (unsigned t = 0; o.pool && t < o.threads; ++t) {
    if (!o.spin) pool_timers.push_back(std::make_unique<net::steady_timer>(*iocs[t]));
    shared.push_back(std::make_unique<SharedSchedule>(run.start + thread_interval * t / o.threads,
                                                      thread_interval, run.stop,
                                                      o.spin ? nullptr : pool_timers.back().get(),
                                                      run.deadline()));
  }
  // Kept to account, after the run, for what they left unanswered or unsent.
  std::vector<std::shared_ptr<Connection>> connections;
  for (std::uint32_t c = 0; c < o.connections; ++c) {
    const unsigned t = c % o.threads;
    connections.push_back(std::make_shared<Connection>(
        *iocs[t], run, *result.threads[t], *workloads[t], interval * c / o.connections, interval,
        o.spin && !o.pool ? &pacers[t] : nullptr, o.pool ? shared[t].get() : nullptr));
    connections.back()->start();
  }
  std::atomic<unsigned> finished{0};
  std::vector<std::thread> threads;
  result.thread_cpu_s.assign(o.threads, 0.0);
  for (unsigned t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      if (o.spin) {
        SlotSource& schedule = o.pool ? static_cast<SlotSource&>(*shared[t]) : pacers[t];
        result.thread_cpu_s[t] = spin(*iocs[t], schedule, run);
      } else {
        const double cpu_before = thread_cpu_seconds();
        iocs[t]->run();
        result.thread_cpu_s[t] = thread_cpu_seconds() - cpu_before;
      }
      finished.fetch_add(1);
    });
  }
  ProgressLine progress(o.progress, run.start, result.threads);
  const auto stopped = watch(run, progress);
  while (finished.load() < o.threads && Clock::now() < stopped + kDrainMax) {
    std::this_thread::sleep_for(kPollEvery);
  }
  const Clock::time_point gave_up = Clock::now();
  for (auto& ioc : iocs) ioc->stop();
  for (auto& th : threads) th.join();
  // The threads are done: their stats may be written from here.
  progress.after_run();
  // Slots at or past the deadline are not the run's (none is sent): not unsent either, nor
  // those after the request cap ended the run.
  const Clock::time_point slots_end = std::min(run.capped_at().value_or(stopped), run.deadline()) - kUnsentGrace;
  for (const auto& c : connections) c->account_after_run(slots_end, gave_up);
  for (unsigned t = 0; t < shared.size(); ++t) {
    result.threads[t]->unsent_slots += shared[t]->unsent_before(slots_end);
  }
  result.elapsed_s = std::chrono::duration<double>(window_end(run.capped_at().has_value(), run.start, result.threads, stopped) - run.start).count();
  result.start_monotonic_s = std::chrono::duration<double>(run.start.time_since_epoch()).count();
  return result;
}

std::unordered_map<std::uint32_t, std::uint32_t> merged_redeems(const RunResult& result) {
  std::unordered_map<std::uint32_t, std::uint32_t> all;
  for (const auto& t : result.threads) {
    for (const auto& [code, n] : t->redeemed) all[code] += n;
  }
  return all;
}

void fill_report(const RunResult& result, Report& r) {
  Histogram all, in_flight, send_lag;
  std::array<Histogram, kOpKindCount> by_op;
  std::array<std::uint64_t, kOpKindCount> expected{}, errors{}, ok{}, transport{};
  std::vector<Histogram> seconds(result.threads.front()->per_second.size());
  std::vector<std::uint64_t> second_errors(seconds.size(), 0), second_failed_sends(seconds.size(), 0);
  for (const auto& t : result.threads) {
    all.merge(t->all);
    in_flight.merge(t->in_flight);
    send_lag.merge(t->send_lag);
    for (int op = 0; op < kOpKindCount; ++op) {
      by_op[op].merge(t->by_op[op]);
      expected[op] += t->expected_rejections[op];
      errors[op] += t->errors[op];
      ok[op] += t->outcomes[op][static_cast<std::size_t>(Outcome::kOk)];
      transport[op] += t->outcomes[op][static_cast<std::size_t>(Outcome::kTransport)];
      for (int k = 0; k < kOutcomeCount; ++k) {
        if (t->outcomes[op][k] != 0) r.outcomes[std::string(outcome_name(static_cast<Outcome>(k)))] += t->outcomes[op][k];
      }
    }
    for (std::size_t s = 0; s < seconds.size(); ++s) {
      seconds[s].merge(t->per_second[s]);
      second_errors[s] += t->errors_per_second[s];
      second_failed_sends[s] += t->failed_sends_per_second[s];
    }
    for (const auto& e : t->error_samples) {
      if (r.error_samples.size() < kErrorSamplesMax) r.error_samples.push_back(e);
    }
    r.connect_failures += t->connect_failures;
    r.unsent_slots += t->unsent_slots;
  }
  r.elapsed_s = result.elapsed_s;
  r.start_monotonic_s = result.start_monotonic_s;
  if (result.elapsed_s > 0 && !result.thread_cpu_s.empty()) {
    const double busiest = *std::max_element(result.thread_cpu_s.begin(), result.thread_cpu_s.end());
    r.client_cpu_pct = 100.0 * busiest / result.elapsed_s;
  }
  r.latency = summarize(all);
  r.in_flight = summarize(in_flight);
  r.send_lag = summarize(send_lag);
  for (int op = 0; op < kOpKindCount; ++op) {
    const std::uint64_t n = by_op[op].count() + transport[op];  // failed sends carry no latency
    if (by_op[op].count() == 0 && errors[op] == 0) continue;
    r.ops.push_back({std::string(op_name(static_cast<OpKind>(op))), n, ok[op], expected[op],
                     errors[op], summarize(by_op[op])});
    r.requests += n;
    r.ok += ok[op];
    r.expected_rejections += expected[op];
    r.errors += errors[op];
  }
  r.throughput_rps = r.elapsed_s > 0 ? static_cast<double>(r.requests) / r.elapsed_s : 0;
  // Whole seconds only: a last partial second would draw as a false drop in throughput. What
  // came after it is the tail, so the timeline and the tail add up to the totals. A run
  // shorter than a second has one point that covers it (span_s = elapsed_s): counted as a
  // whole second, its requests read as a rate far below the run's (probe 34d: 20,000 "a
  // second" for a 0.22 s run at 89,000 a second).
  const auto whole = static_cast<std::size_t>(r.elapsed_s + 0.01);
  const std::size_t points = std::max<std::size_t>(1, whole);
  for (std::size_t s = 0; s < seconds.size(); ++s) {
    const std::uint64_t requests = seconds[s].count() + second_failed_sends[s];
    if (s >= points) {
      r.timeline_tail_requests += requests;
      r.timeline_tail_errors += second_errors[s];
      continue;
    }
    SecondPoint p{static_cast<double>(s + 1), requests, second_errors[s],
                  static_cast<double>(seconds[s].percentile(99)) / 1000.0,
                  static_cast<double>(seconds[s].max()) / 1000.0, 1.0};
    if (whole == 0) p.t_s = p.span_s = std::max(r.elapsed_s, 0.001);
    r.timeline.push_back(p);
  }
}

}  // namespace codeledger::bench
