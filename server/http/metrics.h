// GET /metrics in the Prometheus text format (version 0.0.4).
//
// HttpMetrics counts requests by route and status and keeps latency histograms with fixed
// buckets. The hot path is a few relaxed atomic increments on a shard chosen per thread
// (shards are cache-line aligned), so io threads never contend on a counter; a scrape sums
// the shards. Everything else a scrape shows is read at scrape time: open connections,
// the rate limiter's counters, ledger statistics and every registered MetricsSource.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace codeledger::server {

// Gauges and counters owned outside the HTTP layer (the store: WAL batch sizes, fsync
// latency, durable LSN, snapshot age). append_metrics() runs on an io thread during a
// scrape, concurrently with traffic; it appends complete families (# HELP, # TYPE, samples)
// and may use the prom:: helpers below.
class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  virtual void append_metrics(std::string& out) const = 0;
};

namespace prom {
// "# HELP name help\n# TYPE name type\n"
void family(std::string& out, std::string_view name, std::string_view type, std::string_view help);
// `name{labels} value\n`; labels is the inside of the braces (may be empty).
void sample(std::string& out, std::string_view name, std::string_view labels, double value);
void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value);
// Appends `key="escaped value"` (backslash, quote and newline escaped).
void label(std::string& out, std::string_view key, std::string_view value);
// A histogram's samples: name_bucket{labels,le="bound"} (cumulative), name_sum, name_count.
// counts holds one slot per upper bound plus the +Inf slot, not cumulative.
void histogram(std::string& out, std::string_view name, std::string_view labels,
               std::span<const double> upper_bounds, std::span<const std::uint64_t> counts,
               double sum);
}  // namespace prom

class HttpMetrics {
 public:
  // Upper bounds of the latency buckets, seconds; +Inf is implied.
  static constexpr double kBucketsS[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                         0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
  static constexpr std::size_t kBuckets = std::size(kBucketsS);
  // Statuses counted individually: every one the server answers with (202: POST
  // /admin/snapshot; 417: an Expect it does not know); anything else is counted as "other".
  static constexpr unsigned kStatuses[] = {200, 201, 202, 204, 400, 401, 403, 404, 405, 408,
                                           409, 413, 417, 429, 431, 500, 503};
  static constexpr std::size_t kStatusSlots = std::size(kStatuses) + 1;

  // One label per route ("POST /api_gateway/v1/promotions/code/link"); one more route,
  // "unmatched", takes 404/405 and errors answered before routing (413, 431, 400).
  explicit HttpMetrics(std::vector<std::string> route_labels);
  ~HttpMetrics();
  HttpMetrics(const HttpMetrics&) = delete;
  HttpMetrics& operator=(const HttpMetrics&) = delete;

  std::size_t unmatched_route() const { return routes_.size() - 1; }
  void record(std::size_t route, unsigned status, std::int64_t latency_ns);
  void auth_failure();

  // codeledger_http_requests_total, codeledger_http_request_duration_seconds,
  // codeledger_auth_failures_total.
  void append(std::string& out) const;

 private:
  struct Cell {
    std::atomic<std::uint64_t> status[kStatusSlots];
    std::atomic<std::uint64_t> bucket[kBuckets + 1];  // last is +Inf
    std::atomic<std::uint64_t> sum_ns;
  };
  struct alignas(64) Shard {
    std::unique_ptr<Cell[]> cells;  // one per route
    std::atomic<std::uint64_t> auth_failures{0};
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard() const;

  std::vector<std::string> routes_;
  mutable std::unique_ptr<Shard[]> shards_;
};

}  // namespace codeledger::server
