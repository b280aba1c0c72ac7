// The sampled access log: one line per sampled request on stderr, written with a single
// write(2) so lines from different io threads never interleave. Off unless
// access_log.sample_rate > 0. The query string is never logged (Altcraft clients may put
// their token there), nor are headers or bodies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/http/handler.h"
#include "server/http/rate_limit.h"

namespace codeledger::server {

// A uniform draw in [0, 2^32) from a per-thread generator (no shared state).
std::uint64_t sample_draw();
// The draw threshold for a sampling rate in [0, 1]: 0 logs nothing, 1 logs everything.
std::uint64_t access_log_threshold(double sample_rate);

// "access 2025-11-11T10:00:00.123Z 127.0.0.1 POST /path 200 57B 412us\n": seven fields,
// space-separated. An empty method or path (a request refused before they were parsed,
// such as a 431) is "-"; bytes outside printable ASCII and spaces are "?".
std::string access_log_line(const ClientAddress& client, std::string_view method,
                            std::string_view target, unsigned status, std::size_t bytes_written,
                            std::int64_t latency_ns);
// access_log_line of the request, in one write(2) to stderr.
void write_access_log(const ClientAddress& client, const HttpRequest& request, unsigned status,
                      std::size_t bytes_written, std::int64_t latency_ns);

}  // namespace codeledger::server
