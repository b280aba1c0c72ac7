// Every endpoint path and request body the load generator sends, in one place: the Capillary
// cart-promotion dialect of codeledgerd (seeds 000-003, docs/api.md) and the Redis commands
// that mirror the same operations. Builders append into caller-owned strings so the hot path
// reuses buffers instead of allocating per request.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace codeledger::bench {

enum class OpKind : std::uint8_t { kLookup = 0, kLink = 1, kRedeem = 2, kIssue = 3 };
inline constexpr int kOpKindCount = 4;
std::string_view op_name(OpKind op);

namespace api {

inline constexpr std::string_view kMode = "DISCOUNT";
inline constexpr std::string_view kPromotionsPath = "/api_gateway/v1/promotions";

// One HTTP request: method, target (path + query) and JSON body ("" for GET).
struct HttpCall {
  std::string_view method;
  std::string target;
  std::string body;
};

// Set-up calls (admin key).
HttpCall create_promotion(std::string_view name, bool issuable, std::uint32_t per_code_limit);
HttpCall import_codes(std::string_view promotion_id, std::span<const std::string> codes);
HttpCall generate_codes(std::string_view promotion_id, std::uint32_t count, std::uint32_t length);
HttpCall export_codes(std::string_view promotion_id, std::string_view cursor, std::uint32_t limit);
// Look-up of several codes at once (verification after a run), with redemption details.
HttpCall lookup_codes(std::span<const std::string> codes);

// Hot-path calls: fill `call` in place (its strings keep their capacity between requests).
void lookup(HttpCall& call, std::string_view code);
void link(HttpCall& call, std::string_view code, std::uint64_t customer);
void redeem(HttpCall& call, std::string_view code, std::uint64_t customer, std::string_view txn,
            std::int64_t now_ms);
void issue_bulk(HttpCall& call, std::string_view promotion_id, std::string_view context,
                std::uint64_t customer);

// The full HTTP/1.1 request bytes (keep-alive, Content-Length framing).
void serialize(std::string& out, const HttpCall& call, std::string_view host,
               std::string_view authorization);

// `Basic base64(key:md5hex(secret))`, the Capillary scheme.
std::string basic_authorization(std::string_view key, std::string_view secret);

}  // namespace api

namespace redis {

// Keys: a per-run prefix keeps concurrent or repeated runs apart without FLUSHALL.
std::string code_key(std::string_view prefix, std::string_view code);
// RESP array of bulk strings.
void command(std::string& out, std::span<const std::string_view> args);
void lookup(std::string& out, std::string_view prefix, std::string_view code);
void link(std::string& out, std::string_view sha, std::string_view prefix, std::string_view code,
          std::uint64_t customer);
void redeem(std::string& out, std::string_view sha, std::string_view prefix,
            std::string_view code, std::uint64_t customer, std::string_view txn);
void issue(std::string& out, std::string_view sha, std::string_view prefix,
           std::string_view promotion, std::string_view context, std::uint64_t customer);

}  // namespace redis
}  // namespace codeledger::bench
