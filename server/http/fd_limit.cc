#include "server/http/fd_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <ostream>

#include "server/http/config.h"

namespace codeledger::server {

std::string FdLimit::warning() const {
  if (enough()) return {};
  return "the open-file limit is " + std::to_string(now) + " (hard limit " + std::to_string(hard) +
         "), below connections_max + " + std::to_string(reserve) + " = " + std::to_string(wanted) +
         ": the server serves at most " + std::to_string(connections_cap()) +
         " connections at once, and answers 503 to the next. Raise the hard limit (ulimit -Hn, "
         "or LimitNOFILE= in a systemd unit) or lower limits.connections_max.";
}

FdLimit raise_fd_limit(std::uint64_t connections, std::uint64_t reserve) {
  FdLimit f;
  f.reserve = reserve;
  f.wanted = connections + reserve;
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return f;
  f.before = f.now = r.rlim_cur;
  f.hard = r.rlim_max;
  if (r.rlim_cur >= f.wanted) return f;
  const rlim_t target = r.rlim_max == RLIM_INFINITY ? f.wanted : std::min<rlim_t>(f.wanted, r.rlim_max);
  rlimit raised{target, r.rlim_max};
  if (target > r.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0) f.now = target;
  return f;
}

std::uint64_t server_fd_reserve(const Config& config) {
  return kFdReserveBase + kFdReservePerIoThread * io_thread_count(config);
}

bool fit_connections_to_fd_limit(Config& config, std::ostream& log, std::string_view program) {
  const FdLimit fds = raise_fd_limit(config.limits.connections_max, server_fd_reserve(config));
  if (fds.enough()) return true;
  if (fds.connections_cap() == 0) {
    log << program << ": the open-file limit is " << fds.now << " (hard limit " << fds.hard
        << "): no descriptor is left for connections beside the " << fds.reserve
        << " the server keeps for its log, snapshots and threads. Raise it (ulimit -Hn, or "
           "LimitNOFILE= in a systemd unit).\n";
    return false;
  }
  log << program << ": warning: " << fds.warning() << "\n";
  config.limits.connections_max = static_cast<std::size_t>(fds.connections_cap());
  return true;
}

}  // namespace codeledger::server
