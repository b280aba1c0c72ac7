#include "server/http/server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <unordered_set>

#include "server/http/access_log.h"
#include "server/http/background_lane.h"
#include "server/http/errors.h"
#include "server/http/listener.h"
#include "server/http/process_signals.h"
#include "server/store/long_step.h"
#include "server/wire/json_writer.h"
#include "wal/thread_name.h"

namespace codeledger::server {

namespace {

// POST /admin/reload's answer: {"data":{"reloaded":true,"needsRestart":["listen",...]}}.
std::string reload_answer(const std::vector<std::string>& needs_restart) {
  std::string body;
  wire::JsonWriter w(body);
  w.begin_object().key("data").begin_object().key("reloaded").value(true).key("needsRestart").begin_array();
  for (const std::string& field : needs_restart) w.value(field);
  w.end_array().end_object().end_object();
  return body;
}

// The process's resident memory (RSS), from /proc/self/statm; 0 where that cannot be read.
// The ledger lives in memory and nothing caps it but the machine, so operators watch this.
std::uint64_t resident_memory_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long total_pages = 0, resident_pages = 0;
  const int read = std::fscanf(f, "%llu %llu", &total_pages, &resident_pages);
  std::fclose(f);
  if (read != 2) return 0;
  return resident_pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// io_context::run(), but the gate hears whenever the thread has no ready handler left and is
// about to block, and when it wakes (DurabilityGate::io_idle): in sync, a group commit then
// fdatasyncs as soon as every io thread has staged all it had, instead of waiting out a
// quiet spell for records none of them can send. A gate that does not want to know gets
// plain run(), without the extra poll.
void run_io_thread(net::io_context& ioc, DurabilityGate& gate) {
  if (!gate.wants_idle_hints()) {
    ioc.run();
    return;
  }
  for (;;) {
    // poll() returns only when no handler is ready and its last epoll_wait(0) found nothing
    // new: the thread is idle now. Polling again to be sure would cost one more epoll_wait,
    // about a microsecond on a VM (docs/benchmarks-history.md, session 24), for nothing.
    ioc.poll();
    if (ioc.stopped()) return;
    gate.io_idle();
    const std::size_t ran = ioc.run_one();
    gate.io_busy();
    if (ran == 0) return;
  }
}

}  // namespace

struct Server::Worker {
  WorkerState state;  // before ioc: sessions destroyed with ioc unregister from it
  // Without the reactor's per-socket locks (about four lock and unlock pairs a request,
  // callgrind, docs/benchmarks-history.md, session 26): every operation on a socket of this context
  // runs on its own io thread. Other threads only post here (Session::shutdown,
  // Listener::stop, the durability gate, the background lane), which stays locked.
  // `./dev tsan` checks it.
  net::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  net::executor_work_guard<net::io_context::executor_type> guard{ioc.get_executor()};
  net::steady_timer housekeeping_timer{ioc};
  std::chrono::milliseconds housekeeping_every{1000};
  std::shared_ptr<Listener> listener;
  std::thread thread;

  // The Date header and the sessions' deadlines (session.h): one timer for the thread.
  void tick() {
    const auto now = std::chrono::steady_clock::now();
    resync_service_clock();  // sets codeledgerd's clock against the system clock
    state.date.refresh();
    state.time_out_sessions(now);
    housekeeping_timer.expires_at(now + housekeeping_every);
    housekeeping_timer.async_wait([this](beast::error_code ec) {
      if (!ec && !stopping) tick();
    });
  }
  // Set by stop() on this worker's own thread. Without it, a tick whose expiry was already
  // queued when stop() cancelled the timer re-armed it, and the thread never ran out of
  // work: stop() then waited on join forever (seen once in http_tests).
  bool stopping = false;
};

Server::Server(Config config, ledger::Ledger& ledger, const std::vector<Route>& routes,
               DurabilityGate& gate, ServerHooks hooks)
    : config_(std::move(config)),
      hooks_(std::move(hooks)),
      auth_(config_, hooks_.clock),
      limiter_(config_.api_keys,
               RatePolicy{config_.auth_failures_per_minute, config_.auth_failures_burst},
               hooks_.rate_clock),
      ledger_(ledger),
      current_keys_(config_.api_keys) {
  Router router;
  for (const Route& r : routes) router.add(r);
  for (Endpoint& e : builtin_endpoints(auth_, &limiter_, hooks_.health, ready_)) router.add(std::move(e));
  for (Endpoint& e : own_endpoints()) router.add(std::move(e));
  for (Endpoint& e : hooks_.extra_endpoints) router.add(std::move(e));
  hooks_.extra_endpoints.clear();
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < router.size(); ++i) {
    const Endpoint& e = router.endpoint(i);
    labels.push_back(std::string(http::to_string(e.method)) + " " + e.pattern);
  }
  metrics_ = std::make_unique<HttpMetrics>(std::move(labels));
  dispatcher_ = std::make_unique<Dispatcher>(ledger, auth_, std::move(router), hooks_.clock,
                                             &limiter_, metrics_.get());
  state_.limits = config_.limits;
  state_.dispatcher = dispatcher_.get();
  state_.metrics = metrics_.get();
  state_.access_log_threshold.store(access_log_threshold(config_.access_log_sample_rate));
  state_.gate = &gate;
  thread_count_ = io_thread_count(config_);
}

Server::~Server() { stop(); }

std::uint16_t Server::start() {
  CL_CHECK(!started_);
  started_ = true;
  // First: stop() joins it, also after a bind below has thrown.
  background_ = std::make_unique<BackgroundLane>(config_.limits.background_jobs_max);
  state_.background = background_.get();
  const tcp::endpoint requested(net::ip::make_address(config_.listen_host), config_.listen_port);
  check_port_unshared(requested);
  tcp::endpoint bound = requested;
  for (unsigned i = 0; i < thread_count_; ++i) {
    auto w = std::make_unique<Worker>();
    w->state.durable.bind(*state_.gate, w->ioc.get_executor());
    // The first acceptor resolves port 0; the others join the port it got.
    w->listener = std::make_shared<Listener>(w->ioc, bound, state_, w->state);
    bound = w->listener->local_endpoint();
    workers_.push_back(std::move(w));
  }
  port_ = bound.port();
  if (state_.gate->wants_idle_hints()) state_.gate->io_threads(thread_count_);
  for (auto& w : workers_) {
    w->listener->run();
    w->housekeeping_every = housekeeping_period(config_.limits);
    w->tick();
    w->thread = std::thread([ioc = &w->ioc, gate = state_.gate] { run_io_thread(*ioc, *gate); });
    wal::name_thread(w->thread, "http-io");
  }
  ready_.store(true, std::memory_order_release);
  return port_;
}

void Server::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  ready_.store(false, std::memory_order_release);
  state_.stopping.store(true, std::memory_order_release);
  for (auto& w : workers_) {
    w->listener->stop();
    std::lock_guard lock(w->state.mu);
    for (Session* s : w->state.sessions) s->shutdown();
  }
  // Each wait is said on stderr when it lasts (store::LongStep): nothing for a quick stop.
  const auto say = [](const std::string& line) { log_line(line); };
  {
    store::LongStep step(say,
                         "stop: waiting for requests in flight (up to " +
                             std::to_string(hooks_.stop_timeout_ms) + " ms)",
                         [this] {
                           const std::size_t bulk = background_ ? background_->jobs() : 0;
                           return "open connections: " +
                                  std::to_string(state_.connections.load()) +
                                  (bulk == 0 ? std::string()
                                             : " (bulk calls running or queued: " +
                                                   std::to_string(bulk) + ")");
                         });
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(hooks_.stop_timeout_ms);
    while (state_.connections.load() != 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const std::size_t open = state_.connections.load();
    if (open == 0) {
      step.done("stop: requests in flight answered");
    } else {
      step.done("stop: " + std::to_string(open) + " connections still open after " +
                    step.elapsed_text() + ": a bulk call's is answered when the call ends, " +
                    "the others are cut off",
                false);
    }
  }
  // A long handler still running touches the ledger and the log: it finishes first, and so
  // does every one queued, past the wait above. (Null when start() ran out of memory before
  // making it: probe 35c.)
  if (background_) {
    store::LongStep step(say, "stop: waiting for bulk calls (each runs to its end)", [this] {
      return "running or queued: " + std::to_string(background_->jobs());
    });
    background_->stop();
    step.done("stop: bulk calls finished");
  }
  for (auto& w : workers_) {
    net::post(w->ioc, [w = w.get()] {
      w->stopping = true;
      w->housekeeping_timer.cancel();
    });
    w->guard.reset();
    // Whatever is still open after the deadline is cut off.
    if (state_.connections.load() != 0) w->ioc.stop();
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

}  // namespace codeledger::server

namespace codeledger::server {

std::vector<Endpoint> Server::own_endpoints() {
  std::vector<Endpoint> out;
  out.push_back(Endpoint{http::verb::get, "/metrics",
                         [this](RequestContext&) {
                           Reply r;
                           r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                           append_metrics(r.body);
                           return r;
                         },
                         Scope::kRead, Access::kPublic});
  out.push_back(Endpoint{http::verb::post, "/admin/reload",
                         [this](RequestContext&) {
                           if (!hooks_.reload_source) {
                             return capillary_error(http::status::conflict, 409,
                                                    "reload needs a configuration source: the "
                                                    "server was started without one");
                           }
                           const auto needs_restart = reload_from_source();
                           if (!needs_restart.ok()) {
                             // As SIGHUP's refusal is: the operator's log says it too.
                             log_line("POST /admin/reload: " + needs_restart.status().message());
                             return capillary_error(http::status::bad_request, 400,
                                                    needs_restart.status().message());
                           }
                           return json_reply(http::status::ok, reload_answer(*needs_restart));
                         },
                         Scope::kAdmin, Access::kScoped, /*checks_credentials=*/false,
                         // A reload reads and checks every key (0.31 s at 50,000 keys): on an
                         // io thread it held that thread's other connections meanwhile.
                         Lane::kBackground});
  return out;
}

namespace {

// The organisations the server runs, for look-ups by id (organisations_max of them at most,
// but a key list of any length is checked against them).
std::unordered_set<ledger::OrgId> org_ids(const std::vector<OrgConfig>& organisations) {
  std::unordered_set<ledger::OrgId> ids;
  for (const OrgConfig& org : organisations) ids.insert(org.org);
  return ids;
}

// The first key naming an organisation the server was not started with, as the refusal.
Status check_key_organisations(const std::vector<OrgConfig>& running,
                               const std::vector<ApiKeyConfig>& keys) {
  const auto known = org_ids(running);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (known.contains(keys[i].org)) continue;
    return {ErrorCode::kInvalidRequest,
            "reload: api_keys[" + std::to_string(i) + "] ('" + keys[i].name +
                "') names organisation " + std::to_string(keys[i].org) +
                ", which this server was not started with (organisations need a restart)"};
  }
  return {};
}

// `next` plus the keys of `current` it drops. A name set, not a search per key: at 50,000
// keys the search took 21 s of an io thread per reload (probe 36a).
std::vector<ApiKeyConfig> keys_with_leaving(const std::vector<ApiKeyConfig>& next,
                                            const std::vector<ApiKeyConfig>& current) {
  std::unordered_set<std::string_view> staying;
  staying.reserve(next.size());
  for (const ApiKeyConfig& k : next) staying.insert(k.name);
  std::vector<ApiKeyConfig> both = next;
  for (const ApiKeyConfig& old : current) {
    if (!staying.contains(old.name)) both.push_back(old);
  }
  return both;
}

}  // namespace

Status Server::reload(const Config& next) {
  std::lock_guard lock(reload_mu_);
  if (Status st = check_key_organisations(config_.organisations, next.api_keys); !st.ok()) {
    reloads_failed_.fetch_add(1, std::memory_order_relaxed);
    return st;
  }
  // Keys and limits swap in two steps, so that no key authenticates without a limit: first
  // the new limits plus the old ones of keys that go (a key that appears is limited from its
  // first authenticated request, and one that goes stays limited until it stops
  // authenticating), then the keys, then the new limits alone (probe 34c). Each step frees
  // the table it replaces before it returns (read_section.h).
  limiter_.reload(keys_with_leaving(next.api_keys, current_keys_));
  auth_.reload_keys(next);
  limiter_.reload(next.api_keys);
  current_keys_ = next.api_keys;
  apply_codes_max(next.organisations);
  state_.access_log_threshold.store(access_log_threshold(next.access_log_sample_rate),
                                    std::memory_order_relaxed);
  reloads_ok_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

// Of the organisations' settings only codes_max changes without a restart, so an operator
// can make room for an organisation that reached it; organisations the server was not
// started with wait for the restart (fields_needing_restart names them).
void Server::apply_codes_max(const std::vector<OrgConfig>& organisations) {
  const auto running = org_ids(config_.organisations);
  for (const OrgConfig& next : organisations) {
    if (running.contains(next.org)) CL_CHECK(ledger_.set_codes_max(next.org, next.settings.codes_max).ok());
  }
}

Result<std::vector<std::string>> Server::reload_from_source() {
  if (!hooks_.reload_source) {
    return Status{ErrorCode::kInvalidRequest, "reload: no configuration source (started without a config file)"};
  }
  Result<ReloadedConfig> next = hooks_.reload_source();
  if (!next.ok()) {
    reloads_failed_.fetch_add(1, std::memory_order_relaxed);
    return next.status();
  }
  if (Status st = reload(next->config); !st.ok()) return st;
  // Only once applied: a refused reload changes nothing, and naming fields "not applied
  // until a restart" then read as if the rest had been (second probe, session 39).
  std::string fields;
  for (const std::string& f : next->needs_restart) fields += (fields.empty() ? "" : ", ") + f;
  if (!fields.empty()) log_line("reload: not applied until a restart: " + fields);
  return std::move(next->needs_restart);
}

void Server::append_metrics(std::string& out) const {
  out.reserve(16 << 10);
  metrics_->append(out);
  limiter_.append_metrics(out);
  prom::family(out, "codeledger_http_connections_open", "gauge", "Open HTTP connections.");
  prom::sample(out, "codeledger_http_connections_open", "",
               static_cast<std::uint64_t>(state_.connections.load(std::memory_order_relaxed)));
  prom::family(out, "codeledger_http_connections_refused_total", "counter",
               "Connections closed at accept because connections_max was reached.");
  prom::sample(out, "codeledger_http_connections_refused_total", "",
               state_.connections_refused.load(std::memory_order_relaxed));
  prom::family(out, "codeledger_http_accept_errors_total", "counter",
               "Failed accepts (out of file descriptors or memory); each retried after 50 ms.");
  prom::sample(out, "codeledger_http_accept_errors_total", "",
               state_.accept_errors.load(std::memory_order_relaxed));
  if (background_) {
    prom::family(out, "codeledger_http_background_jobs", "gauge",
                 "Bulk calls queued or running on the background thread.");
    prom::sample(out, "codeledger_http_background_jobs", "", static_cast<std::uint64_t>(background_->jobs()));
    prom::family(out, "codeledger_http_background_refused_total", "counter",
                 "Bulk calls answered 503 because background_jobs_max were in progress.");
    prom::sample(out, "codeledger_http_background_refused_total", "", background_->refused());
  }
  prom::family(out, "codeledger_clock_offset_seconds", "gauge",
               "The system clock minus codeledgerd's clock at its last setting: a step of the "
               "system clock still to be caught up (docs/operations.md, \"Time\").");
  prom::sample(out, "codeledger_clock_offset_seconds", "", service_clock_offset_seconds());
  prom::family(out, "codeledger_config_reloads_total", "counter",
               "Key and limit reloads (SIGHUP, POST /admin/reload), by result.");
  prom::sample(out, "codeledger_config_reloads_total", "result=\"ok\"",
               reloads_ok_.load(std::memory_order_relaxed));
  prom::sample(out, "codeledger_config_reloads_total", "result=\"error\"",
               reloads_failed_.load(std::memory_order_relaxed));
  const auto stats = ledger_.stats();
  const auto per_org = [&](std::string_view name, std::string_view help, auto field) {
    prom::family(out, name, "gauge", help);
    std::string labels;
    for (const auto& st : stats) {
      labels.clear();
      prom::label(labels, "org", std::to_string(st.org));
      prom::sample(out, name, labels, st.*field);
    }
  };
  per_org("codeledger_ledger_codes", "Promotion codes, by organisation.", &ledger::OrgStats::codes);
  per_org("codeledger_ledger_customers",
          "Customers with a ledger record (a redemption, an earned promotion or a profile), by "
          "organisation.",
          &ledger::OrgStats::customers);
  per_org("codeledger_ledger_promotions", "Promotions, by organisation.", &ledger::OrgStats::promotions);
  per_org("codeledger_ledger_redemptions", "Redemptions, by organisation.",
          &ledger::OrgStats::redemptions);
  prom::family(out, "process_resident_memory_bytes", "gauge",
               "Resident memory of the process (the ledger is in memory; see operations.md, Memory).");
  prom::sample(out, "process_resident_memory_bytes", "", resident_memory_bytes());
  for (const MetricsSource* source : hooks_.metrics_sources) source->append_metrics(out);
}

}  // namespace codeledger::server
