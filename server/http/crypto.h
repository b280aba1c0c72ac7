// What auth uses of server/crypto (secrets.h), plus the Basic-auth header helpers for
// clients and tests.
#pragma once

#include <string>
#include <string_view>

#include "server/crypto/secrets.h"

namespace codeledger::server {

using crypto::constant_time_equal;
using crypto::from_hex;
using crypto::md5_hex;
using crypto::random_bytes;
using crypto::salted_secret_hash;
using crypto::Sha256Digest;
using crypto::sha256;
using crypto::sha256_hex;
using crypto::to_hex;

// Basic-auth helper for clients and tests: "Basic base64(key:md5hex(password))".
std::string capillary_basic_header(std::string_view key, std::string_view password);
std::string base64_encode(std::string_view data);

}  // namespace codeledger::server
