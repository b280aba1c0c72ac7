#include "server/http/durable_queue.h"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "server/http/session.h"

namespace codeledger::server {

void DurableQueue::park(ledger::Lsn lsn, std::shared_ptr<Session> s, DurabilityGate& gate,
                        const boost::asio::any_io_executor& executor) {
  waiting_.push(Waiter{lsn, std::move(s)});
  if (!asking_) ask_gate(gate, executor);
}

// One request at a time, for the lowest LSN parked. A session parked meanwhile with a lower
// LSN (a read of older state) waits for this answer at most, which is a later LSN of the
// same log, durable no earlier.
void DurableQueue::ask_gate(DurabilityGate& gate, const boost::asio::any_io_executor& executor) {
  asking_ = true;
  const ledger::Lsn asked = waiting_.top().lsn;
  gate.when_durable(asked, [this, asked, &gate, executor](bool durable) {
    boost::asio::post(executor, [this, asked, durable, &gate, executor] {
      on_gate(asked, durable, gate, executor);
    });
  });
}

void DurableQueue::on_gate(ledger::Lsn asked, bool durable, DurabilityGate& gate,
                           const boost::asio::any_io_executor& executor) {
  asking_ = false;
  // Everything up to what the gate answered for is as durable as the mode makes it; so is
  // what the log reports durable by now (the same fsync often covered more).
  const ledger::Lsn covered = durable ? std::max(asked, gate.durable_lsn()) : gate.durable_lsn();
  while (!waiting_.empty() && waiting_.top().lsn <= covered) {
    std::shared_ptr<Session> s = waiting_.top().session;
    waiting_.pop();
    s->resume(true);
  }
  // The log failed: a failure is sticky, so nothing still parked will become durable.
  while (!durable && !waiting_.empty()) {
    std::shared_ptr<Session> s = waiting_.top().session;
    waiting_.pop();
    s->resume(false);
  }
  if (!waiting_.empty()) ask_gate(gate, executor);
}

}  // namespace codeledger::server
