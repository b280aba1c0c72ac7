#include "server/crypto/secrets.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>

#include "ledger/hex.h"
#include "ledger/status.h"

namespace codeledger::crypto {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// Fetched once: EVP_md5()/EVP_sha256() hand back legacy objects that OpenSSL 3 resolves
// again (EVP_MD_fetch: a provider look-up under a lock) on every EVP_DigestInit_ex. That
// look-up was a third of each request's authentication (docs/benchmarks-history.md, session 9).
// Never freed: they live as long as the process, like the built-in ones.
const EVP_MD* fetched(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  CL_CHECK(md != nullptr);  // a broken OpenSSL install, not a bad request
  return md;
}
const EVP_MD* md5_md() {
  static const EVP_MD* const md = fetched("MD5");
  return md;
}
const EVP_MD* sha256_md() {
  static const EVP_MD* const md = fetched("SHA256");
  return md;
}

// One-shot digest of the parts in order; returns the digest length. The context is per
// thread and reused (a digest init resets it), so a request's authentication allocates no
// context, and the parts need no joined copy.
unsigned digest(const EVP_MD* md, std::initializer_list<std::string_view> parts,
                unsigned char* out) {
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  unsigned len = 0;
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1;
  for (std::string_view part : parts) {
    ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx.get(), out, &len) == 1;
  // Digest failures mean a broken OpenSSL install, not a bad request.
  CL_CHECK(ok);
  return len;
}

}  // namespace

std::string to_hex(std::string_view bytes) {
  return to_hex(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  std::string out(size * 2, '\0');
  write_hex(data, size, out.data());
  return out;
}

bool from_hex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.resize(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit_value(hex[2 * i]);
    const int lo = hex_digit_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return true;
}

std::string md5_hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  const unsigned len = digest(md5_md(), {data}, out);
  return to_hex(out, len);
}

Sha256Digest sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  const unsigned len = digest(sha256_md(), {data}, out);
  CL_CHECK(len == 32);
  Sha256Digest d;
  std::copy(out, out + 32, d.begin());
  return d;
}

std::string sha256_hex(std::string_view data) {
  const Sha256Digest d = sha256(data);
  return to_hex(d.data(), d.size());
}

Sha256Hex salted_secret_hash_chars(std::string_view salt, std::string_view md5hex_password) {
  unsigned char out[EVP_MAX_MD_SIZE];
  const unsigned len = digest(sha256_md(), {salt, md5hex_password}, out);
  CL_CHECK(len == 32);
  Sha256Hex hex;
  write_hex(out, len, hex.data());
  return hex;
}

std::string salted_secret_hash(std::string_view salt, std::string_view md5hex_password) {
  const Sha256Hex hex = salted_secret_hash_chars(salt, md5hex_password);
  return std::string(hex.data(), hex.size());
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::uint64_t siphash64(std::string_view key, std::string_view data) {
  CL_CHECK(key.size() == kSipHashKeyBytes);
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  CL_CHECK(mac != nullptr);  // a broken OpenSSL install, not a bad request
  const std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(mac),
                                                                        EVP_MAC_CTX_free);
  unsigned int size = sizeof(std::uint64_t);
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_SIZE, &size),
                               OSSL_PARAM_construct_end()};
  unsigned char out[sizeof(std::uint64_t)];
  std::size_t written = 0;
  const bool ok =
      ctx &&
      EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) == 1 &&
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
      EVP_MAC_final(ctx.get(), out, &written, sizeof(out)) == 1 && written == sizeof(out);
  CL_CHECK(ok);
  std::uint64_t h = 0;  // little-endian, as the reference vectors print it
  for (std::size_t i = 0; i < sizeof(out); ++i) h |= std::uint64_t{out[i]} << (8 * i);
  return h;
}

std::string random_bytes(std::size_t size) {
  std::string out(size, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size)) != 1) {
    std::fputs("codeledger: RAND_bytes failed; refusing to mint predictable secrets\n", stderr);
    std::abort();
  }
  return out;
}

}  // namespace codeledger::crypto
