// What the machine charges for the system calls a request makes, the floor under every
// request's CPU: an io thread makes two or three of them a request (recv, sendmsg, and now
// and then epoll_wait), the load generator as many. On the benchmark VM a call costs about
// a microsecond and a request's two socket calls about 6 µs, about what the server's own code
// spends on a link (docs/benchmarks.md, session 24):
//   micro_bench --benchmark_filter=BM_Syscall
//
// BM_SyscallNull: getppid(), the call that does nothing: the entry and exit alone.
// BM_SyscallRecvWouldBlock: recv() on an empty non-blocking TCP socket (EAGAIN): what Asio's
//   speculative read costs when the next request has not come yet.
// BM_SyscallEpollWaitNothing: epoll_wait() with a zero timeout and nothing ready: the io
//   thread's last look before it sleeps.
// BM_SyscallLoopbackSendRecv: 600 bytes (a link answer's size) sent over TCP loopback and
//   read on the other end by the same thread: a request's two socket calls, no wake-up.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>

namespace {

// A connected TCP pair on 127.0.0.1 (an ephemeral port), both ends non-blocking.
struct LoopbackPair {
  LoopbackPair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    if (listener < 0 || ::bind(listener, sa, len) != 0 || ::listen(listener, 1) != 0 ||
        ::getsockname(listener, sa, &len) != 0) {
      if (listener >= 0) ::close(listener);
      return;
    }
    client = ::socket(AF_INET, SOCK_STREAM, 0);
    if (client >= 0 && ::connect(client, sa, len) == 0) server = ::accept(listener, nullptr, nullptr);
    ::close(listener);
    for (int fd : {client, server}) {
      if (fd < 0) continue;
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
  }
  ~LoopbackPair() {
    if (client >= 0) ::close(client);
    if (server >= 0) ::close(server);
  }
  bool ok() const { return client >= 0 && server >= 0; }

  int client = -1;
  int server = -1;
};

// Makes `call` once an iteration. `call` returns false when the machine answered otherwise
// than the benchmark assumes; the run is then skipped with `unexpected`.
template <class Call>
void run_calls(benchmark::State& state, const char* unexpected, Call call) {
  for (auto _ : state) {
    if (!call()) return state.SkipWithError(unexpected);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SyscallNull(benchmark::State& state) {
  run_calls(state, "getppid failed", [] { return ::syscall(SYS_getppid) >= 0; });
}
BENCHMARK(BM_SyscallNull);

void BM_SyscallRecvWouldBlock(benchmark::State& state) {
  LoopbackPair pair;
  if (!pair.ok()) return state.SkipWithError("no loopback TCP pair");
  std::array<char, 512> buf{};
  run_calls(state, "recv found data on an idle socket",
            [&] { return ::recv(pair.server, buf.data(), buf.size(), 0) < 0; });
}
BENCHMARK(BM_SyscallRecvWouldBlock);

void BM_SyscallEpollWaitNothing(benchmark::State& state) {
  LoopbackPair pair;
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  if (pair.ok() && ep >= 0 && ::epoll_ctl(ep, EPOLL_CTL_ADD, pair.server, &ev) == 0) {
    run_calls(state, "epoll_wait found an idle socket ready",
              [&] { return ::epoll_wait(ep, &ev, 1, 0) == 0; });
  } else {
    state.SkipWithError("no epoll set with a loopback socket");
  }
  if (ep >= 0) ::close(ep);
}
BENCHMARK(BM_SyscallEpollWaitNothing);

void BM_SyscallLoopbackSendRecv(benchmark::State& state) {
  LoopbackPair pair;
  if (!pair.ok()) return state.SkipWithError("no loopback TCP pair");
  std::array<char, 600> answer{};
  std::array<char, 4096> buf{};
  run_calls(state, "a loopback send was not read whole at once", [&] {
    const ssize_t sent = ::send(pair.client, answer.data(), answer.size(), 0);
    const ssize_t got = ::recv(pair.server, buf.data(), buf.size(), 0);
    return sent == static_cast<ssize_t>(answer.size()) && got == sent;
  });
}
BENCHMARK(BM_SyscallLoopbackSendRecv);

}  // namespace
