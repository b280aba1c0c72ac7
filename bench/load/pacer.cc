#include "bench/load/pacer.h"

#include <utility>

#include "bench/load/connection.h"

namespace codeledger::bench {

void Pacer::schedule(Clock::time_point at, std::shared_ptr<Connection> connection) {
  waiting_.push(Waiting{at, std::move(connection)});
}

std::size_t Pacer::release_due(Clock::time_point now) {
  std::size_t released = 0;
  while (!waiting_.empty() && waiting_.top().at <= now) {
    const std::shared_ptr<Connection> connection = waiting_.top().connection;
    waiting_.pop();
    connection->on_slot();
    ++released;
  }
  return released;
}

}  // namespace codeledger::bench
