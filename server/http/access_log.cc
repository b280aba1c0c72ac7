#include "server/http/access_log.h"

#include <unistd.h>

#include <boost/asio/ip/address_v6.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace codeledger::server {

std::uint64_t sample_draw() {
  // xorshift64*, seeded per thread from the thread's address space layout and the clock.
  thread_local std::uint64_t state =
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
      reinterpret_cast<std::uintptr_t>(&state) ^ 0x9E3779B97F4A7C15ull;
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return (state * 2685821657736338717ull) >> 32;
}

std::uint64_t access_log_threshold(double sample_rate) {
  if (!(sample_rate > 0)) return 0;
  if (sample_rate >= 1) return std::uint64_t{1} << 32;
  return static_cast<std::uint64_t>(sample_rate * 4294967296.0) + 1;
}

namespace {

// One field of the line. Control bytes would let a client forge log lines, spaces would
// shift the fields, and bytes past ASCII are not text a log reader can trust (probe 33); an
// empty field would shift the fields too.
void append_field(std::string& out, std::string_view text) {
  if (text.empty()) {
    out += '-';
    return;
  }
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += (u <= 0x20 || u >= 0x7f) ? '?' : c;
  }
}

void append_time(std::string& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(buf, n);
  std::snprintf(buf, sizeof buf, ".%03dZ", static_cast<int>(ms));
  out += buf;
}

}  // namespace

std::string access_log_line(const ClientAddress& client, std::string_view method,
                            std::string_view target, unsigned status, std::size_t bytes_written,
                            std::int64_t latency_ns) {
  namespace ip = boost::asio::ip;
  std::string line = "access ";
  append_time(line);
  line += ' ';
  const ip::address_v6 v6(client);
  line += v6.is_v4_mapped() ? ip::make_address_v4(ip::v4_mapped, v6).to_string() : v6.to_string();
  line += ' ';
  append_field(line, method);
  line += ' ';
  const auto q = target.find('?');
  append_field(line, target.substr(0, q));
  if (q != std::string_view::npos) line += "?...";
  line += ' ' + std::to_string(status) + ' ' + std::to_string(bytes_written) + "B " +
          std::to_string(latency_ns / 1000) + "us\n";
  return line;
}

void write_access_log(const ClientAddress& client, const HttpRequest& request, unsigned status,
                      std::size_t bytes_written, std::int64_t latency_ns) {
  const std::string line = access_log_line(client, request.method_string(), request.target(),
                                           status, bytes_written, latency_ns);
  // One write: lines stay whole. A failed or short log write is not worth failing a request.
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace codeledger::server
