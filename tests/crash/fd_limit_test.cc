// The real codeledgerd, two io threads, under a hard open-file limit far below
// connections_max (run under `prlimit --nofile=N:N`): it says so at start and serves only
// the connections its descriptors allow beside the reserve it keeps for its threads, log and
// snapshots, answering 503 to the next ones, instead of running out (server/http/fd_limit.h);
// with no room for any connection it refuses to start.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "tests/crash/daemon.h"
#include "tests/support/metrics_text.h"

namespace codeledger::crash {
namespace {

using namespace std::chrono_literals;

constexpr int kClients = 100;  // more than the server has room for under a limit of 136

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends a GET and returns what came back before the server closed (Connection: close).
std::string get(int fd, const std::string& path) {
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) return {};
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

// The connections of `fds` the server answered of its own accord, as it does to a connection
// over the cap (503, then close): polled until `expected` of them have an answer, or 10 s.
std::vector<int> answered_unasked(const std::vector<int>& fds, std::size_t expected) {
  std::vector<pollfd> polls;
  for (int fd : fds) polls.push_back({fd, POLLIN, 0});
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::vector<int> answered;
  do {
    ::poll(polls.data(), polls.size(), 100);
    answered.clear();
    for (const pollfd& p : polls) {
      if (p.revents & POLLIN) answered.push_back(p.fd);
    }
  } while (answered.size() < expected && std::chrono::steady_clock::now() < deadline);
  ::poll(polls.data(), polls.size(), 200);  // a moment more: any beyond `expected` show too
  answered.clear();
  for (const pollfd& p : polls) {
    char buf[12];
    if ((p.revents & POLLIN) && ::recv(p.fd, buf, sizeof buf, MSG_PEEK) == 12 &&
        std::string(buf, 12) == "HTTP/1.1 503") {
      answered.push_back(p.fd);
    }
  }
  return answered;
}

// Two io threads, so the server keeps 64 + 4 * 2 = 72 descriptors beside its connections.
Daemon under_fd_limit(const TempDir& tmp, const std::string& limit) {
  DaemonOptions options{tmp.path() + "/data", "", "none", tmp.path() + "/d"};
  options.run_under = {"prlimit", "--nofile=" + limit + ":" + limit};
  options.extra_args = {"--threads", "2"};
  return Daemon(options);
}

TEST(FdLimit, ARealServerServesWhatItsDescriptorsAllowAndRefusesTheRest) {
  TempDir tmp;
  Daemon daemon = under_fd_limit(tmp, "136");  // 72 kept back: room for 64 connections
  ASSERT_TRUE(daemon.start()) << daemon.error();
  EXPECT_NE(daemon.stderr_text().find("codeledgerd: warning: the open-file limit is 136 (hard limit "
                                      "136), below connections_max + 72 = 10072: the server serves at "
                                      "most 64 connections at once, and answers 503 to the next."),
            std::string::npos)
      << daemon.stderr_text();

  std::vector<int> clients;
  for (int i = 0; i < kClients; ++i) {
    const int fd = connect_loopback(daemon.port());
    ASSERT_GE(fd, 0);
    clients.push_back(fd);
  }
  const std::vector<int> refused = answered_unasked(clients, kClients - 64);
  EXPECT_EQ(refused.size(), static_cast<std::size_t>(kClients - 64));
  std::vector<int> served;
  for (int fd : clients) {
    if (std::find(refused.begin(), refused.end(), fd) == refused.end()) served.push_back(fd);
    else ::close(fd);
  }
  ASSERT_EQ(served.size(), 64u);
  EXPECT_EQ(get(served.back(), "/healthz").rfind("HTTP/1.1 200", 0), 0u);  // a served one works
  served.pop_back();
  for (int fd : served) ::close(fd);

  const std::string page = get(connect_loopback(daemon.port()), "/metrics");
  EXPECT_EQ(testing::sample_value(page, "codeledger_http_connections_refused_total"), kClients - 64) << page;
  EXPECT_EQ(testing::sample_value(page, "codeledger_http_accept_errors_total"), 0) << page;  // never ran out
  EXPECT_EQ(daemon.stop(), 0);
}

TEST(FdLimit, ARealServerWithNoDescriptorForAConnectionRefusesToStart) {
  TempDir tmp;
  Daemon daemon = under_fd_limit(tmp, "70");
  EXPECT_FALSE(daemon.start());
  EXPECT_NE(daemon.error().find("codeledgerd: the open-file limit is 70 (hard limit 70): no "
                                "descriptor is left for connections beside the 72"),
            std::string::npos)
      << daemon.error();
}

}  // namespace
}  // namespace codeledger::crash
