#include "bench/load/target.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace codeledger::bench {

std::optional<std::string> loopback_address(std::string_view host) {
  if (host == "localhost") return std::string("127.0.0.1");
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  const std::string text(host);
  in_addr v4{};
  // inet_pton accepts only the strict dotted-quad form, so "127.1" or "127.0.0.1.evil" fail.
  if (!bracketed && inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&v4.s_addr);
    if (bytes[0] == 127) return text;
    return std::nullopt;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0) return text;
  }
  return std::nullopt;
}

}  // namespace codeledger::bench
