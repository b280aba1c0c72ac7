#include "server/http/crypto.h"

#include <boost/beast/core/detail/base64.hpp>

namespace codeledger::server {

std::string base64_encode(std::string_view data) {
  namespace b64 = boost::beast::detail::base64;
  std::string out(b64::encoded_size(data.size()), '\0');
  out.resize(b64::encode(out.data(), data.data(), data.size()));
  return out;
}

std::string capillary_basic_header(std::string_view key, std::string_view password) {
  std::string credentials(key);
  credentials += ':';
  credentials += md5_hex(password);
  return "Basic " + base64_encode(credentials);
}

}  // namespace codeledger::server
