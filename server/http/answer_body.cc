#include "server/http/answer_body.h"

#include <utility>
#include <vector>

namespace codeledger::server {
namespace {

struct Spares {
  std::vector<std::string> bodies;
  std::size_t bytes = 0;  // the capacity they hold
};

Spares& spares() {
  thread_local Spares s;
  return s;
}

}  // namespace

std::string take_answer_body() {
  Spares& s = spares();
  if (s.bodies.empty()) {
    std::string body;
    body.reserve(kAnswerReserveBytes);
    return body;
  }
  std::string body = std::move(s.bodies.back());
  s.bodies.pop_back();
  s.bytes -= body.capacity();
  return body;
}

void recycle_answer_body(std::string& body) {
  Spares& s = spares();
  const std::size_t capacity = body.capacity();
  if (capacity < kAnswerReserveBytes || capacity > kAnswerSpareBodyBytesMax ||
      s.bytes + capacity > kAnswerSpareBytesMax) {
    body = std::string();
    return;
  }
  body.clear();
  s.bytes += capacity;
  s.bodies.push_back(std::move(body));
  body = std::string();
}

std::size_t answer_spare_bytes() { return spares().bytes; }

}  // namespace codeledger::server
