// The API-key secret scheme, identical to server/http/auth (crypto.h there):
//   stored secret_sha256 = hex(SHA-256(salt bytes || md5hex(secret)))
// Clients send md5hex(secret) (Capillary Basic auth), so the server never needs the secret.
// Implemented here over OpenSSL because server/http's helper lives in the HTTP library,
// which ledgerctl must not link.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace codeledger::tools {

std::string to_hex(std::string_view bytes);
std::string md5_hex(std::string_view data);
std::string sha256_hex(std::string_view data);
// salt is raw bytes (the config stores it as hex).
std::string salted_secret_hash(std::string_view salt, std::string_view md5hex_secret);
// `size` bytes from OpenSSL's CSPRNG; throws CliError if it fails (never a weak secret).
std::string random_bytes(std::size_t size);

}  // namespace codeledger::tools
