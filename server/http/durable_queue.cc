#include "server/http/durable_queue.h"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "server/http/session.h"

namespace codeledger::server {

void DurableQueue::park(ledger::Lsn lsn, std::shared_ptr<Session> s) {
  // async / none: the answer goes out now, without a post back to this thread per request.
  // Only with nobody queued: a session parked earlier (before the log failed) answers first.
  if (waiting_.empty() && gate_->acks_at_once()) return s->resume(true);
  waiting_.push(Waiter{lsn, std::move(s)});
  if (!asking_) ask_gate();
}

// One request at a time, for the lowest LSN parked. A session parked meanwhile with a lower
// LSN (a read of older state) waits for this answer at most, which is a later LSN of the
// same log, durable no earlier.
void DurableQueue::ask_gate() {
  asking_ = true;
  const ledger::Lsn asked = waiting_.top().lsn;
  gate_->when_durable(asked, [this, asked](bool durable) {
    boost::asio::post(executor_, [this, asked, durable] { on_gate(asked, durable); });
  });
}

void DurableQueue::on_gate(ledger::Lsn asked, bool durable) {
  asking_ = false;
  // Everything up to what the gate answered for is as durable as the mode makes it; so is
  // what the log reports durable by now (the same fsync often covered more). When the log
  // failed, the failure is sticky: nothing beyond what is durable now ever will be.
  const ledger::Lsn covered = durable ? std::max(asked, gate_->durable_lsn()) : gate_->durable_lsn();
  while (!waiting_.empty() && (!durable || waiting_.top().lsn <= covered)) {
    const Waiter w = waiting_.top();
    waiting_.pop();
    w.session->resume(w.lsn <= covered);
  }
  if (!waiting_.empty()) ask_gate();
}

}  // namespace codeledger::server
