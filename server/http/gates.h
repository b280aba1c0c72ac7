// Interfaces the HTTP layer waits on, implemented elsewhere (server/store) and plugged in at
// construction. Both default to "nothing to wait for".
#pragma once

#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "ledger/types.h"

namespace codeledger::server {

// Holds a response until the state it reveals is durable. when_durable() may call `done`
// at once (on the calling thread) or later from any thread; the session posts back to its
// own executor either way. `done` must be called exactly once, also when the server stops.
// done(false) means the log failed before `lsn` became durable: the handler's answer must
// not be sent (the state it shows may be lost), the client gets 503 instead.
using DurableCallback = std::function<void(bool durable)>;
class DurabilityGate {
 public:
  virtual ~DurabilityGate() = default;
  virtual void when_durable(ledger::Lsn lsn, DurableCallback done) = 0;
  // Highest LSN known durable now (a hint: a waiter at or below it needs no request of its
  // own). 0 = unknown.
  virtual ledger::Lsn durable_lsn() const { return 0; }
  // True when when_durable() would answer durable at once whatever the LSN (the mode does not
  // wait for the disk and the log has not failed): a waiter needs no gate request at all.
  virtual bool acks_at_once() const { return false; }
  // The io threads say when they run out of ready work and when they wake: a log waiting to
  // gather more records before its fdatasync need not wait once none of them can stage one.
  // io_threads(n) once before they start; each then calls io_idle() before it blocks and
  // io_busy() when it wakes. Only when wants_idle_hints(): finding out costs an io thread a
  // non-blocking epoll_wait each time it runs dry (before session 24 two or more: an open loop
  // of 11,000 redeem requests a second made 5.5 epoll_wait calls a request against 3.6,
  // session 19), which only a log that makes answers wait for the disk can use.
  virtual bool wants_idle_hints() const { return false; }
  virtual void io_threads(unsigned) {}
  virtual void io_idle() {}
  virtual void io_busy() {}
};

// Durability `none`/tests: everything is as durable as it will get.
class ImmediateDurability final : public DurabilityGate {
 public:
  void when_durable(ledger::Lsn, DurableCallback done) override { done(true); }
  ledger::Lsn durable_lsn() const override { return std::numeric_limits<ledger::Lsn>::max(); }
  bool acks_at_once() const override { return true; }
};

// What /healthz and /readyz report beyond "the server answers". Readiness needs no probe of
// its own: codeledgerd listens only once recovery has finished, and the server itself knows
// when it stops.
class HealthProbe {
 public:
  virtual ~HealthProbe() = default;
  // A sticky storage failure (failed fsync): the process is alive but refuses writes.
  virtual std::optional<std::string> storage_failure() const = 0;
};

}  // namespace codeledger::server
