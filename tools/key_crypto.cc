#include "tools/key_crypto.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "tools/cli.h"

namespace codeledger::tools {
namespace {

std::string digest_hex(const EVP_MD* md, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) {
    throw CliError("OpenSSL digest failed");
  }
  return to_hex(std::string_view(reinterpret_cast<const char*>(out), len));
}

}  // namespace

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

std::string md5_hex(std::string_view data) { return digest_hex(EVP_md5(), data); }
std::string sha256_hex(std::string_view data) { return digest_hex(EVP_sha256(), data); }

std::string salted_secret_hash(std::string_view salt, std::string_view md5hex_secret) {
  std::string input(salt);
  input.append(md5hex_secret);
  return sha256_hex(input);
}

std::string random_bytes(std::size_t size) {
  std::string out(size, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size)) != 1) {
    throw CliError("RAND_bytes failed; refusing to mint a predictable secret");
  }
  return out;
}

}  // namespace codeledger::tools
