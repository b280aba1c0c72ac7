// The HTTP server: N io threads, each with its own io_context, its own SO_REUSEPORT
// acceptor on the shared port and its own sessions (no cross-thread hand-offs on the hot
// path). Handlers run on the io thread that read the request.
//
//   Server server(config, ledger, capillary_routes(), gate);
//   std::uint16_t port = server.start();   // binds; port 0 in config -> ephemeral
//   ...
//   server.stop();                         // stop accepting, finish in-flight, close
//
// start() and stop() are called from one controlling thread; everything else is internal.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http/auth.h"
#include "server/http/service_clock.h"
#include "server/http/config.h"
#include "server/http/dispatcher.h"
#include "server/http/gates.h"
#include "server/http/metrics.h"
#include "server/http/rate_limit.h"
#include "server/http/session.h"
#include "server/http/router.h"

namespace codeledger::server {

// A configuration read again for a reload, with the fields that changed but take effect
// only at a restart (fields_needing_restart, config.h): named in the answer, not ignored.
struct ReloadedConfig {
  Config config;
  std::vector<std::string> needs_restart;
};

struct ServerHooks {
  Clock clock = service_clock_ms;           // handlers' now_ms and token expiry
  NanoClock rate_clock = steady_clock_ns;   // the rate limiter's time (monotonic)
  const HealthProbe* health = nullptr;      // /healthz and /readyz; null = always healthy
  std::vector<Endpoint> extra_endpoints;    // e.g. test routes
  // Appended to GET /metrics (the store's WAL and snapshot figures); must outlive the Server.
  std::vector<const MetricsSource*> metrics_sources;
  // Re-reads the configuration (file, environment, flags) for SIGHUP and POST /admin/reload;
  // null: reload_from_source() refuses.
  std::function<Result<ReloadedConfig>()> reload_source;
  std::uint32_t stop_timeout_ms = 10'000;   // in-flight requests get this long at stop()
};

class Server {
 public:
  // Every reference must outlive the Server. `routes` are the dialects' routes; the
  // server adds /healthz, /readyz and /v3/oauth/token/generate itself.
  Server(Config config, ledger::Ledger& ledger, const std::vector<Route>& routes,
         DurabilityGate& gate, ServerHooks hooks = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every thread's acceptor and starts the threads. Returns the bound port. Throws
  // boost::system::system_error when the address cannot be bound.
  std::uint16_t start();
  // Graceful: stop accepting, close idle connections, let in-flight requests answer (up to
  // stop_timeout_ms), then stop the threads. Idempotent.
  void stop();

  // Swaps API keys (secrets, scopes) and rate limits for `next`'s, atomically and without
  // touching connections; rate-limit state of keys that remain is kept. Also sets the
  // running organisations' codes_max. Everything else in `next` (listen, threads, limits,
  // durability, the organisations' other settings) needs a restart and is ignored. Refused,
  // with nothing changed, when a key names an organisation the server was not started with.
  // Thread-safe (SIGHUP thread, admin endpoint).
  Status reload(const Config& next);
  // reload(hooks.reload_source()): what SIGHUP and POST /admin/reload do. On success, the
  // changed fields that need a restart (ReloadedConfig::needs_restart).
  Result<std::vector<std::string>> reload_from_source();

  std::uint16_t port() const { return port_; }
  unsigned threads() const { return thread_count_; }
  std::size_t connections() const { return state_.connections.load(); }
  std::uint64_t accept_errors() const { return state_.accept_errors.load(); }
  Auth& auth() { return auth_; }
  const Config& config() const { return config_; }

 private:
  struct Worker;
  std::vector<Endpoint> own_endpoints();
  void append_metrics(std::string& out) const;

  void apply_codes_max(const std::vector<OrgConfig>& organisations);

  Config config_;
  ServerHooks hooks_;
  Auth auth_;
  RateLimiter limiter_;
  ledger::Ledger& ledger_;
  std::atomic<bool> ready_{false};
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::mutex reload_mu_;  // one reload at a time
  std::vector<ApiKeyConfig> current_keys_;  // guarded by reload_mu_: the keys in force
  std::atomic<std::uint64_t> reloads_ok_{0}, reloads_failed_{0};
  ServerState state_;
  unsigned thread_count_ = 1;
  std::uint16_t port_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  // Long handlers (Lane::kBackground); started with the workers, stopped before them.
  std::unique_ptr<BackgroundLane> background_;
  // Declared last: workers own the io_contexts whose handlers reference everything above.
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace codeledger::server
