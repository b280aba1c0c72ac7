// The API-key secret scheme and the primitives it needs, over OpenSSL's EVP interface: MD5
// (the Capillary password digest clients send), SHA-256 (stored secrets and token digests),
// a CSPRNG, and a constant-time comparison. Thread-safe; no state.
//
// Boost-free, so ledgerctl (which mints keys) and the server (which checks them) share one
// implementation of the scheme:
//   stored secret_sha256 = hex(SHA-256(salt bytes || md5hex(secret)))
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace codeledger::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Sha256Hex = std::array<char, 64>;  // lowercase hex of a Sha256Digest

std::string to_hex(const std::uint8_t* data, std::size_t size);  // lowercase
std::string to_hex(std::string_view bytes);
// Lowercase or uppercase hex to bytes; false on odd length or a non-hex character.
bool from_hex(std::string_view hex, std::string& out);

std::string md5_hex(std::string_view data);           // 32 lowercase hex characters
Sha256Digest sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

// What the config stores for an API key: hex(SHA-256(salt || md5hex(password))). Clients
// send md5hex(password) (Capillary Basic), so the server never needs the password itself.
// salt is raw bytes (the config stores it as hex).
std::string salted_secret_hash(std::string_view salt, std::string_view md5hex_password);
// The same in a fixed buffer: each request's authentication computes one.
Sha256Hex salted_secret_hash_chars(std::string_view salt, std::string_view md5hex_password);

// Constant-time equality (CRYPTO_memcmp): time depends on the length only, never on where
// the first difference is.
bool constant_time_equal(std::string_view a, std::string_view b);

// SipHash-2-4 of `data` under a 16-byte `key`, 64 bits (OpenSSL's SIPHASH MAC): a keyed
// hash whose outputs nobody can work out without the key. A context each call: 119 ns on
// the benchmark VM (micro_bench --benchmark_filter=BM_RateLimitAddressSlot), so it is used
// once per connection, not per request.
inline constexpr std::size_t kSipHashKeyBytes = 16;
std::uint64_t siphash64(std::string_view key, std::string_view data);

// `size` bytes from OpenSSL's CSPRNG (RAND_bytes); aborts if the generator fails, since
// handing out a predictable token or key is worse than stopping.
std::string random_bytes(std::size_t size);

}  // namespace codeledger::crypto
