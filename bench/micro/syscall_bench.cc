// What the machine charges for the system calls a request makes, the floor under every
// request's CPU: an io thread makes two or three of them a request (recv, sendmsg, and now
// and then epoll_wait), the load generator as many. On the benchmark VM a call costs about
// a microsecond and a request's two socket calls about 6 µs, about what the server's own code
// spends on a link (docs/benchmarks-history.md, session 24):
//   micro_bench --benchmark_filter=BM_Syscall
//
// BM_SyscallNull: getppid(), the call that does nothing: the entry and exit alone.
// BM_SyscallRecvWouldBlock: recv() on an empty non-blocking TCP socket (EAGAIN): what Asio's
//   speculative read costs when the next request has not come yet.
// BM_SyscallEpollWaitNothing: epoll_wait() with a zero timeout and nothing ready: the io
//   thread's last look before it sleeps.
// BM_SyscallLoopbackSendRecv: 600 bytes (a link answer's size) sent over TCP loopback and
//   read on the other end by the same thread: a request's two socket calls, no wake-up.
// BM_SocketFloor/connections:N: the whole floor under a served request. A bare server thread
//   (level-triggered epoll, one recv and one send a request, nothing parsed) answers each
//   300-byte request with 600 bytes, and the benchmark's own thread drives N keep-alive
//   connections in a closed loop, as ledger-load does. server_cpu_us and client_cpu_us are each
//   thread's CPU a request: set server_cpu_us beside the ceiling's and codeledgerd's http-io
//   CPU a request (bench/scripts/thread-cpu.sh) to see what their own code adds to the kernel's.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <memory>
#include <thread>
#include <vector>

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

constexpr std::size_t kFloorRequestBytes = 300;  // about ledger-load's link request
constexpr std::size_t kFloorAnswerBytes = 600;   // about codeledgerd's link answer

double thread_cpu_us(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// An epoll set over the given sockets, each registered level-triggered with its index as data.
int epoll_over(const std::vector<std::unique_ptr<LoopbackPair>>& pairs, int LoopbackPair::*end) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; ep >= 0 && i < pairs.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, (*pairs[i]).*end, &ev) != 0) {
      ::close(ep);
      return -1;
    }
  }
  return ep;
}

// Reads what one socket has and counts whole messages of `size` bytes (false: closed, failed).
bool take_messages(int fd, std::size_t size, std::size_t& partial, std::size_t& whole) {
  std::array<char, 16384> buf;
  const ssize_t got = ::recv(fd, buf.data(), buf.size(), 0);
  if (got < 0 && errno == EAGAIN) return true;
  if (got <= 0) return false;
  partial += static_cast<std::size_t>(got);
  whole = partial / size;
  partial %= size;
  return true;
}

bool send_all(int fd, const char* data, std::size_t size) {
  return ::send(fd, data, size, MSG_NOSIGNAL) == static_cast<ssize_t>(size);
}

// The bare server of BM_SocketFloor: one thread answering every whole request at once.
class FloorServer {
 public:
  explicit FloorServer(const std::vector<std::unique_ptr<LoopbackPair>>& pairs)
      : pairs_(pairs), epoll_(epoll_over(pairs, &LoopbackPair::server)), partial_(pairs.size()) {
    if (epoll_ >= 0) thread_ = std::thread([this] { serve(); });
  }
  ~FloorServer() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    if (epoll_ >= 0) ::close(epoll_);
  }
  bool running() const { return thread_.joinable(); }
  bool failed() const { return failed_.load(); }
  double cpu_us() {
    clockid_t clock{};
    return ::pthread_getcpuclockid(thread_.native_handle(), &clock) == 0 ? thread_cpu_us(clock) : 0;
  }

 private:
  void serve() {
    const std::array<char, kFloorAnswerBytes> answer{};
    std::array<epoll_event, 64> ready;
    while (!stop_.load(std::memory_order_relaxed)) {
      const int n = ::epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), 20);
      for (int i = 0; i < n; ++i) {
        const std::size_t k = ready[i].data.u64;
        const int fd = pairs_[k]->server;
        std::size_t requests = 0;
        bool ok = take_messages(fd, kFloorRequestBytes, partial_[k], requests);
        for (; ok && requests > 0; --requests) ok = send_all(fd, answer.data(), answer.size());
        if (!ok) return failed_.store(true);
      }
    }
  }

  const std::vector<std::unique_ptr<LoopbackPair>>& pairs_;
  const int epoll_;
  std::vector<std::size_t> partial_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

// The closed-loop client of BM_SocketFloor: one answer taken an iteration, and on that
// connection the next request sent at once.
void BM_SocketFloor(benchmark::State& state) {
  const auto connections = static_cast<std::size_t>(state.range(0));
  std::vector<std::unique_ptr<LoopbackPair>> pairs;
  for (std::size_t i = 0; i < connections; ++i) {
    pairs.push_back(std::make_unique<LoopbackPair>());
    if (!pairs.back()->ok()) return state.SkipWithError("no loopback TCP pair");
  }
  FloorServer server(pairs);
  const int ep = epoll_over(pairs, &LoopbackPair::client);
  if (!server.running() || ep < 0) {
    if (ep >= 0) ::close(ep);
    return state.SkipWithError("no epoll set over the loopback sockets");
  }
  const std::array<char, kFloorRequestBytes> request{};
  std::vector<std::size_t> partial(connections, 0);
  std::array<epoll_event, 64> ready;
  int ready_count = 0;
  int next_ready = 0;
  const char* error = nullptr;
  for (const auto& pair : pairs) {
    if (!send_all(pair->client, request.data(), request.size())) error = "a request was not sent";
  }
  const double server_cpu_start = server.cpu_us();
  const double client_cpu_start = thread_cpu_us(CLOCK_THREAD_CPUTIME_ID);
  std::size_t answers_owed = 0;  // answers already read beyond the ones counted
  for (auto _ : state) {
    while (error == nullptr && answers_owed == 0) {
      if (next_ready == ready_count) {
        next_ready = 0;
        ready_count = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 1000);
        if (ready_count <= 0) {
          error = server.failed() ? "the server failed to answer" : "no answer within a second";
        }
        continue;
      }
      const std::size_t k = ready[next_ready++].data.u64;
      std::size_t answers = 0;
      if (!take_messages(pairs[k]->client, kFloorAnswerBytes, partial[k], answers)) {
        error = "a connection closed";
      }
      for (std::size_t a = 0; error == nullptr && a < answers; ++a) {
        if (!send_all(pairs[k]->client, request.data(), request.size())) error = "a request was not sent";
      }
      answers_owed += answers;
    }
    if (error != nullptr) {
      state.SkipWithError(error);
      break;
    }
    --answers_owed;
  }
  ::close(ep);
  if (error != nullptr) return;
  const double n = static_cast<double>(state.iterations());
  state.counters["server_cpu_us"] = (server.cpu_us() - server_cpu_start) / n;
  state.counters["client_cpu_us"] = (thread_cpu_us(CLOCK_THREAD_CPUTIME_ID) - client_cpu_start) / n;
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SocketFloor)->ArgName("connections")->Arg(1)->Arg(64)->UseRealTime();

}  // namespace
