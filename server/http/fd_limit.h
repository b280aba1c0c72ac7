// The process's open-file limit against what the server needs: a descriptor per connection
// plus a reserve for everything else: per io thread its listener and its epoll, event and
// timer descriptors, and for the process stdio, the data directory's lock, log segments, snapshots and
// the background lane (an idle codeledgerd holds 12 + 4 per io thread). The usual soft limit (1024 under systemd) is far
// below connections_max (10,000 by default). So codeledgerd raises its soft limit toward the
// hard one at start and, when that still falls short, serves fewer connections than
// connections_max: a connection over that answers 503 at once, while running out of
// descriptors would leave it hanging in the accept backlog and could cost the log the
// descriptor of its next segment.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace codeledger::server {

struct Config;

inline constexpr std::uint64_t kFdReserveBase = 64;
inline constexpr std::uint64_t kFdReservePerIoThread = 4;

struct FdLimit {
  std::uint64_t before = 0;   // the soft limit found at start
  std::uint64_t now = 0;      // the soft limit after raising it
  std::uint64_t hard = 0;
  std::uint64_t reserve = 0;  // descriptors kept for everything but connections
  std::uint64_t wanted = 0;   // connections + reserve

  bool enough() const { return now >= wanted; }
  // The connections the limit leaves room for beside the reserve (0: none).
  std::uint64_t connections_cap() const { return now > reserve ? now - reserve : 0; }
  // What the server does about a short limit and what an operator can do (empty when the
  // limit is enough).
  std::string warning() const;
};

// Raises RLIMIT_NOFILE's soft limit to connections + reserve, or as near as the hard limit
// allows; never lowers it. ledger-load uses it too, with a reserve of its own.
FdLimit raise_fd_limit(std::uint64_t connections, std::uint64_t reserve);

// The descriptors a server keeps beside its connections: kFdReserveBase plus
// kFdReservePerIoThread for each io thread.
std::uint64_t server_fd_reserve(const Config& config);

// At a server's start (codeledgerd, ceiling-server): raises the open-file limit for
// config.limits.connections_max and, when the hard limit holds it below that, lowers
// connections_max to what fits and writes the warning to `log`. False, with the reason
// written, when no connection would fit.
bool fit_connections_to_fd_limit(Config& config, std::ostream& log, std::string_view program);

}  // namespace codeledger::server
