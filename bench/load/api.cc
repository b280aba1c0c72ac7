#include "bench/load/api.h"

#include <openssl/evp.h>

#include <charconv>
#include <stdexcept>

namespace codeledger::bench {

std::string_view op_name(OpKind op) {
  switch (op) {
    case OpKind::kLookup: return "lookup";
    case OpKind::kLink: return "link";
    case OpKind::kRedeem: return "redeem";
    case OpKind::kIssue: return "issueBulk";
  }
  return "?";
}

namespace {

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

std::string promotion_path(std::string_view id, std::string_view rest) {
  std::string s(api::kPromotionsPath);
  s.append("/").append(id).append(rest);
  return s;
}

// Names and codes the harness sends are its own alphanumerics, so no JSON escaping is needed;
// this guards that assumption instead of silently sending broken JSON.
std::string_view plain(std::string_view s) {
  for (char c : s) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      throw std::invalid_argument("bench: string needs JSON escaping");
    }
  }
  return s;
}

}  // namespace

namespace api {

HttpCall create_promotion(std::string_view name, bool issuable, std::uint32_t per_code_limit) {
  HttpCall c{"POST", std::string(kPromotionsPath), {}};
  c.body.append(R"({"name":")").append(plain(name)).append(R"(","mode":")").append(kMode);
  c.body.append(R"(","kind":")").append(issuable ? "ISSUABLE" : "CODE_LINKED");
  c.body.append(R"(","perCodeRedemptionLimit":)");
  append_uint(c.body, per_code_limit);
  c.body.append("}");
  return c;
}

HttpCall import_codes(std::string_view promotion_id, std::span<const std::string> codes) {
  HttpCall c{"POST", promotion_path(promotion_id, "/codes"), R"({"codes":[)"};
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i) c.body.push_back(',');
    c.body.append("\"").append(plain(codes[i])).append("\"");
  }
  c.body.append("]}");
  return c;
}

HttpCall generate_codes(std::string_view promotion_id, std::uint32_t count, std::uint32_t length) {
  HttpCall c{"POST", promotion_path(promotion_id, "/codes/generate"), R"({"count":)"};
  append_uint(c.body, count);
  c.body.append(R"(,"length":)");
  append_uint(c.body, length);
  c.body.append("}");
  return c;
}

HttpCall export_codes(std::string_view promotion_id, std::string_view cursor, std::uint32_t limit) {
  HttpCall c{"GET", promotion_path(promotion_id, "/codes?limit="), {}};
  append_uint(c.target, limit);
  if (!cursor.empty()) c.target.append("&cursor=").append(cursor);
  return c;
}

HttpCall lookup_codes(std::span<const std::string> codes) {
  HttpCall c{"GET", std::string(kPromotionsPath) + "/code?codes=", {}};
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i) c.target.append("%2C");  // comma-separated list, percent-encoded
    c.target.append(codes[i]);
  }
  c.target.append("&mode=").append(kMode).append("&includeRedemptions=true");
  return c;
}

void lookup(HttpCall& c, std::string_view code) {
  c.method = "GET";
  c.target.assign(kPromotionsPath).append("/code?codes=").append(code);
  c.target.append("&mode=").append(kMode);
  c.body.clear();
}

void link(HttpCall& c, std::string_view code, std::uint64_t customer) {
  c.method = "POST";
  c.target.assign(kPromotionsPath).append("/code/link");
  c.body.assign(R"({"customerId":)");
  append_uint(c.body, customer);
  c.body.append(R"(,"code":")").append(code).append(R"(","mode":")").append(kMode).append("\"}");
}

void redeem(HttpCall& c, std::string_view code, std::uint64_t customer, std::string_view txn,
            std::int64_t now_ms) {
  c.method = "POST";
  c.target.assign(kPromotionsPath).append("/redemptions");
  c.body.assign(R"({"customerId":)");
  append_uint(c.body, customer);
  c.body.append(R"(,"transactionIdentifier":")").append(txn);
  c.body.append(R"(","transactionNumber":")").append(txn).append(R"(","transactionDate":)");
  append_int(c.body, now_ms);
  c.body.append(R"(,"amount":100,"redemptions":[{"code":")").append(code);
  c.body.append(R"(","mode":")").append(kMode).append(R"(","discount":10}]})");
}

void issue_bulk(HttpCall& c, std::string_view promotion_id, std::string_view context,
                std::uint64_t customer) {
  c.method = "POST";
  c.target.assign(kPromotionsPath).append("/").append(promotion_id);
  c.target.append("/issueBulk?contextId=").append(context);
  c.body.clear();  // not assign("["): GCC 12 -O3 misreports -Wrestrict on it
  c.body.push_back('[');
  append_uint(c.body, customer);
  c.body.append("]");
}

void serialize(std::string& out, const HttpCall& call, std::string_view host,
               std::string_view authorization) {
  out.assign(call.method).append(" ").append(call.target).append(" HTTP/1.1\r\nHost: ");
  out.append(host).append("\r\nAuthorization: ").append(authorization);
  out.append("\r\nAccept: application/json\r\n");
  if (!call.body.empty() || call.method != "GET") {
    out.append("Content-Type: application/json\r\nContent-Length: ");
    append_uint(out, call.body.size());
    out.append("\r\n");
  }
  out.append("\r\n").append(call.body);
}

std::string basic_authorization(std::string_view key, std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(secret.data(), secret.size(), digest, &digest_len, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string plain_text(key);
  plain_text.push_back(':');
  for (unsigned i = 0; i < digest_len; ++i) {
    plain_text.push_back(kHex[digest[i] >> 4]);
    plain_text.push_back(kHex[digest[i] & 15]);
  }
  std::string encoded(4 * ((plain_text.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain_text.data()),
                                static_cast<int>(plain_text.size()));
  encoded.resize(static_cast<std::size_t>(n));
  return "Basic " + encoded;
}

}  // namespace api

namespace redis {

std::string code_key(std::string_view prefix, std::string_view code) {
  std::string k(prefix);
  k.append(":c:").append(code);
  return k;
}

void command(std::string& out, std::span<const std::string_view> args) {
  out.push_back('*');
  append_uint(out, args.size());
  out.append("\r\n");
  for (std::string_view a : args) {
    out.push_back('$');
    append_uint(out, a.size());
    out.append("\r\n").append(a).append("\r\n");
  }
}

void lookup(std::string& out, std::string_view prefix, std::string_view code) {
  out.clear();
  const std::string key = code_key(prefix, code);
  const std::string_view args[] = {"HGETALL", key};
  command(out, args);
}

void link(std::string& out, std::string_view sha, std::string_view prefix, std::string_view code,
          std::uint64_t customer) {
  out.clear();
  const std::string key = code_key(prefix, code);
  const std::string cust = std::to_string(customer);
  const std::string_view args[] = {"EVALSHA", sha, "1", key, cust};
  command(out, args);
}

void redeem(std::string& out, std::string_view sha, std::string_view prefix,
            std::string_view code, std::uint64_t customer, std::string_view txn) {
  out.clear();
  const std::string key = code_key(prefix, code);
  std::string txn_key(prefix);
  txn_key.append(":t:").append(txn);
  const std::string cust = std::to_string(customer);
  const std::string_view args[] = {"EVALSHA", sha, "2", key, txn_key, cust};
  command(out, args);
}

void issue(std::string& out, std::string_view sha, std::string_view prefix,
           std::string_view promotion, std::string_view context, std::uint64_t customer) {
  out.clear();
  std::string wallet(prefix);
  wallet.append(":w:").append(std::to_string(customer));
  const std::string_view args[] = {"EVALSHA", sha, "1", wallet, promotion, context};
  command(out, args);
}

}  // namespace redis
}  // namespace codeledger::bench
