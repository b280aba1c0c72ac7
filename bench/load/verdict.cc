#include "bench/load/verdict.h"

namespace codeledger::bench {
namespace {

constexpr std::size_t kVerifyNotesMax = 8;

std::uint64_t count_of(const auto& counts, std::uint32_t code) {
  const auto it = counts.find(code);
  return it == counts.end() ? 0 : it->second;
}

}  // namespace

void judge_batch(VerifyReport& v, std::span<const std::uint32_t> batch,
                 const std::unordered_map<std::uint32_t, std::uint64_t>& server_counts,
                 const std::unordered_map<std::uint32_t, std::uint32_t>& client_counts,
                 std::uint32_t code_limit, const std::vector<std::string>& codes) {
  for (const std::uint32_t code : batch) {
    const bool answered = server_counts.contains(code);
    const std::uint64_t server = count_of(server_counts, code), client = count_of(client_counts, code);
    ++v.codes_checked;
    const bool doubled = server > code_limit || client > code_limit;
    const bool lost = server < client;
    if (doubled) ++v.double_redemptions;
    if (lost) ++v.lost_acks;
    if ((doubled || lost) && v.notes.size() < kVerifyNotesMax) {
      v.notes.push_back(codes[code] + ": server counts " + std::to_string(server) +
                        (answered ? "" : " (the code is missing there)") + " redemptions, clients saw " +
                        std::to_string(client) + " succeed, limit " + std::to_string(code_limit));
    }
  }
}

}  // namespace codeledger::bench
