// The verdict on what a run redeemed, from what the target says afterwards: pure logic, so
// bench_tests can check it without a server (verify.cc does the look-ups).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/load/report.h"

namespace codeledger::bench {

// Judges one look-up batch of codes (indexes into `codes`). `server_counts` holds the
// redemption count the target answered for each code it knows; a code it left out of its
// answer (an unknown code: Capillary lists it under errors, not data) counts as redeemed 0
// times there, so an acknowledged redemption of a code the target lost is a lost ack.
// `client_counts` holds the redemptions the clients saw succeed.
void judge_batch(VerifyReport& v, std::span<const std::uint32_t> batch,
                 const std::unordered_map<std::uint32_t, std::uint64_t>& server_counts,
                 const std::unordered_map<std::uint32_t, std::uint32_t>& client_counts,
                 std::uint32_t code_limit, const std::vector<std::string>& codes);

}  // namespace codeledger::bench
