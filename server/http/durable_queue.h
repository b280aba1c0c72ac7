// Responses of one io thread that wait until the state they show is durable.
//
// Sessions park here instead of each asking the gate on its own: one gate request serves
// every session of the thread, for the lowest LSN any of them waits on, and its completion
// is one post back to the thread that answers every session the fsync covered. Per waiting
// request that is a heap push, where each used to cost a gate callback (three nested
// std::function allocations, a node in the log's waiter map under its mutex) and a post
// from the log's thread into this one (docs/benchmarks.md has the side-by-side figures).
//
// In async and none the gate acknowledges at once (DurabilityGate::acks_at_once): a session
// is then answered in park() itself, without a gate request and a post per request (durability
// none, link: 1.09-1.27x the requests in three turns, docs/benchmarks-history.md, session 11).
//
// Thread ownership: touched only on its worker's io thread; the gate's callback, which may
// run on any thread, only posts to that thread.
#pragma once

#include <memory>
#include <queue>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "ledger/types.h"
#include "server/http/gates.h"

namespace codeledger::server {

class Session;

class DurableQueue {
 public:
  // Once, before the worker's first session: the gate to ask and the io thread's executor.
  void bind(DurabilityGate& gate, boost::asio::any_io_executor executor) {
    gate_ = &gate;
    executor_ = std::move(executor);
  }
  // Answers s (Session::resume) once lsn is durable, or with a 503 if the log fails first.
  void park(ledger::Lsn lsn, std::shared_ptr<Session> s);

 private:
  struct Waiter {
    ledger::Lsn lsn;
    std::shared_ptr<Session> session;
  };
  struct LaterFirst {
    bool operator()(const Waiter& a, const Waiter& b) const { return a.lsn > b.lsn; }
  };

  void ask_gate();
  // On the io thread: the gate answered for `asked`.
  void on_gate(ledger::Lsn asked, bool durable);

  DurabilityGate* gate_ = nullptr;
  boost::asio::any_io_executor executor_;
  std::priority_queue<Waiter, std::vector<Waiter>, LaterFirst> waiting_;  // lowest LSN on top
  bool asking_ = false;  // a gate request is outstanding
};

}  // namespace codeledger::server
