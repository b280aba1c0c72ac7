// Answer bodies recycled per thread. A handler's answer takes its body from this thread's
// spares (take_answer_body); the session hands the body back once it is written
// (recycle_answer_body), so a keep-alive request's answer does not allocate its body.
//
// The spares are per thread, so no lock: a body taken on the background lane and given back
// on an io thread simply moves between the two threads' spares. Each thread keeps at most
// kAnswerSpareBytesMax of spare capacity (in sync mode every connection of an io thread may
// have an answer waiting for its fdatasync, so the spares follow the connection count up to
// that bound) and no single spare over kAnswerSpareBodyBytesMax: a large export answer is
// let go rather than kept for small ones.
#pragma once

#include <cstddef>
#include <string>

namespace codeledger::server {

inline constexpr std::size_t kAnswerReserveBytes = 1000;  // most answers; a redemption ~500
inline constexpr std::size_t kAnswerSpareBodyBytesMax = 16 << 10;
inline constexpr std::size_t kAnswerSpareBytesMax = 1 << 20;  // per thread

// An empty string with at least kAnswerReserveBytes of capacity.
std::string take_answer_body();
// Keeps body's storage for the next take_answer_body on this thread, within the bounds
// above; leaves body empty either way.
void recycle_answer_body(std::string& body);
// The capacity this thread's spares hold (tests).
std::size_t answer_spare_bytes();

}  // namespace codeledger::server
