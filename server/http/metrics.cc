#include "server/http/metrics.h"

#include <charconv>
#include <cstdio>
#include <numeric>

#include "ledger/status.h"

namespace codeledger::server {
namespace prom {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

namespace {
void sample_head(std::string& out, std::string_view name, std::string_view labels) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
}
}  // namespace

void sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  sample_head(out, name, labels);
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, ec == std::errc() ? end : buf);
  out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
  sample_head(out, name, labels);
  out += std::to_string(value);
  out += '\n';
}

void label(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += "=\"";
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  out += '"';
}

void histogram(std::string& out, std::string_view name, std::string_view labels,
               std::span<const double> upper_bounds, std::span<const std::uint64_t> counts,
               double sum) {
  const std::string bucket_name = std::string(name) + "_bucket";
  std::string bucket_labels;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    bucket_labels.assign(labels);
    if (!bucket_labels.empty()) bucket_labels += ',';
    char le[32] = "+Inf";
    if (i < upper_bounds.size()) std::snprintf(le, sizeof le, "%g", upper_bounds[i]);
    label(bucket_labels, "le", le);
    sample(out, bucket_name, bucket_labels, cumulative);
  }
  sample(out, std::string(name) + "_sum", labels, sum);
  sample(out, std::string(name) + "_count", labels, cumulative);
}

}  // namespace prom

namespace {

std::size_t status_slot(unsigned status) {
  for (std::size_t i = 0; i < std::size(HttpMetrics::kStatuses); ++i) {
    if (HttpMetrics::kStatuses[i] == status) return i;
  }
  return std::size(HttpMetrics::kStatuses);
}

std::atomic<unsigned> next_shard{0};

}  // namespace

HttpMetrics::HttpMetrics(std::vector<std::string> route_labels)
    : routes_(std::move(route_labels)), shards_(std::make_unique<Shard[]>(kShards)) {
  routes_.emplace_back("unmatched");
  for (std::size_t s = 0; s < kShards; ++s) shards_[s].cells = std::make_unique<Cell[]>(routes_.size());
}

HttpMetrics::~HttpMetrics() = default;

HttpMetrics::Shard& HttpMetrics::shard() const {
  // Each thread keeps one shard for its life: io threads are few and long-lived.
  thread_local const unsigned mine = next_shard.fetch_add(1, std::memory_order_relaxed);
  return shards_[mine % kShards];
}

void HttpMetrics::record(std::size_t route, unsigned status, std::int64_t latency_ns) {
  CL_CHECK(route < routes_.size());
  Cell& c = shard().cells[route];
  c.status[status_slot(status)].fetch_add(1, std::memory_order_relaxed);
  const double seconds = static_cast<double>(latency_ns) / 1e9;
  std::size_t b = 0;
  while (b < kBuckets && seconds > kBucketsS[b]) ++b;
  c.bucket[b].fetch_add(1, std::memory_order_relaxed);
  c.sum_ns.fetch_add(static_cast<std::uint64_t>(latency_ns > 0 ? latency_ns : 0),
                     std::memory_order_relaxed);
}

void HttpMetrics::auth_failure() { shard().auth_failures.fetch_add(1, std::memory_order_relaxed); }

void HttpMetrics::append(std::string& out) const {
  const std::size_t n = routes_.size();
  std::vector<std::uint64_t> status(n * kStatusSlots), bucket(n * (kBuckets + 1)), sum(n);
  std::uint64_t auth_failures = 0;
  for (std::size_t s = 0; s < kShards; ++s) {
    auth_failures += shards_[s].auth_failures.load(std::memory_order_relaxed);
    for (std::size_t r = 0; r < n; ++r) {
      const Cell& c = shards_[s].cells[r];
      for (std::size_t i = 0; i < kStatusSlots; ++i) status[r * kStatusSlots + i] += c.status[i].load(std::memory_order_relaxed);
      for (std::size_t i = 0; i <= kBuckets; ++i) bucket[r * (kBuckets + 1) + i] += c.bucket[i].load(std::memory_order_relaxed);
      sum[r] += c.sum_ns.load(std::memory_order_relaxed);
    }
  }
  prom::family(out, "codeledger_http_requests_total", "counter",
               "HTTP requests answered, by route and status.");
  std::string labels;
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t i = 0; i < kStatusSlots; ++i) {
      const std::uint64_t v = status[r * kStatusSlots + i];
      if (v == 0) continue;
      labels.clear();
      prom::label(labels, "route", routes_[r]);
      labels += ',';
      prom::label(labels, "status", i < std::size(kStatuses) ? std::to_string(kStatuses[i]) : "other");
      prom::sample(out, "codeledger_http_requests_total", labels, v);
    }
  }
  prom::family(out, "codeledger_http_request_duration_seconds", "histogram",
               "Time from a request's last byte read to its answer's last byte written "
               "(durability wait included), by route.");
  for (std::size_t r = 0; r < n; ++r) {
    const std::span<const std::uint64_t> counts(&bucket[r * (kBuckets + 1)], kBuckets + 1);
    if (std::reduce(counts.begin(), counts.end(), std::uint64_t{0}) == 0) {
      continue;  // routes never called: no series until their first request
    }
    labels.clear();
    prom::label(labels, "route", routes_[r]);
    prom::histogram(out, "codeledger_http_request_duration_seconds", labels, kBucketsS, counts,
                    static_cast<double>(sum[r]) / 1e9);
  }
  prom::family(out, "codeledger_auth_failures_total", "counter",
               "Requests whose credentials were missing, malformed or wrong.");
  prom::sample(out, "codeledger_auth_failures_total", "", auth_failures);
}

}  // namespace codeledger::server
