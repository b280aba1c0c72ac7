// The HTTP layer's view of the store: responses wait on the WAL's durable LSN, and the health
// endpoints report a sticky storage failure. Constructed after Store::open, so recovery is
// done by the time the server can ask whether it is ready.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "server/http/gates.h"
#include "server/store/store.h"

namespace codeledger::server {

class StoreBridge final : public DurabilityGate, public HealthProbe {
 public:
  explicit StoreBridge(store::Store& store) : store_(store) {}

  // Store::on_durable answers ok after the fsync (sync) or at once (async, none), and an
  // error once the log has failed: that answer must not reach the client.
  void when_durable(ledger::Lsn lsn, DurableCallback done) override {
    store_.on_durable(lsn, [done = std::move(done)](const Status& st) { done(st.ok()); });
  }

  std::optional<std::string> storage_failure() const override {
    if (store_.healthy()) return std::nullopt;
    return store_.failure().message();
  }

  bool ready() const override { return true; }

 private:
  store::Store& store_;
};

}  // namespace codeledger::server
