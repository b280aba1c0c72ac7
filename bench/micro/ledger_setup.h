// What the ledger micro benchmarks share: the Op their commands run under, a count an
// environment variable may set, and the names of the codes they make.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "ledger/ledger.h"

namespace codeledger::bench {

inline ledger::Op bench_op(ledger::OrgId org, ledger::TimeMs now) {
  ledger::Op o;
  o.org = org;
  o.api_key = "bench";
  o.now_ms = now;
  return o;
}

// The number in environment variable `name` when it is at least `min`, else `fallback`.
inline std::size_t count_from_env(const char* name, std::size_t min, std::size_t fallback) {
  const char* env = std::getenv(name);
  const std::size_t v = env != nullptr ? std::strtoull(env, nullptr, 10) : 0;
  return v >= min ? v : fallback;
}

// `tag` and i in `digits` digits: "L00000042".
inline std::string numbered_code(char tag, std::size_t i, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%c%0*zu", tag, digits, i);
  return buf;
}

}  // namespace codeledger::bench
