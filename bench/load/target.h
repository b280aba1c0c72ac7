// The load generator only ever talks to this machine: a target must be a loopback literal
// (127.0.0.0/8, ::1) or the name "localhost", which is mapped to 127.0.0.1 here rather than
// resolved, so no hosts-file entry can point it elsewhere.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace codeledger::bench {

// The address to connect to (numeric, without brackets), or nullopt when host is not loopback.
std::optional<std::string> loopback_address(std::string_view host);

}  // namespace codeledger::bench
