#include "bench/load/report.h"

#include <cmath>
#include <cstdio>

namespace codeledger::bench {
namespace {

std::string num(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string s(buf);
  while (s.back() == '0') s.pop_back();  // trim trailing zeros, keep integers integral
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string num(std::uint64_t v) { return std::to_string(v); }

std::string latency_json(const LatencySummary& l) {
  return "{\"count\":" + num(l.count) + ",\"mean_us\":" + num(l.mean_us) + ",\"p50_us\":" +
         num(l.p50_us) + ",\"p90_us\":" + num(l.p90_us) + ",\"p99_us\":" + num(l.p99_us) +
         ",\"p999_us\":" + num(l.p999_us) + ",\"max_us\":" + num(l.max_us) + "}";
}

std::string ops_json(const std::vector<OpReport>& ops) {
  std::string s = "[";
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const OpReport& o = ops[i];
    if (i) s += ",";
    s += "{\"name\":" + json_quote(o.name) + ",\"requests\":" + num(o.requests) +
         ",\"ok\":" + num(o.ok) + ",\"expected_rejections\":" + num(o.expected_rejections) +
         ",\"errors\":" + num(o.errors) + ",\"latency\":" + latency_json(o.latency) + "}";
  }
  return s + "]";
}

std::string timeline_json(const std::vector<SecondPoint>& points) {
  std::string s = "[";
  for (std::size_t i = 0; i < points.size(); ++i) {
    const SecondPoint& p = points[i];
    if (i) s += ",";
    s += "{\"t_s\":" + num(p.t_s) + ",\"requests\":" + num(p.requests) + ",\"errors\":" +
         num(p.errors) + ",\"p99_us\":" + num(p.p99_us) + ",\"max_us\":" + num(p.max_us) +
         ",\"span_s\":" + num(p.span_s) + "}";
  }
  return s + "]";
}

std::string strings_json(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + json_quote(v[i]);
  return s + "]";
}

std::string verify_json(const VerifyReport& v) {
  return std::string("{\"ran\":") + (v.ran ? "true" : "false") +
         ",\"failed\":" + (v.failed ? "true" : "false") + ",\"codes_checked\":" +
         num(v.codes_checked) + ",\"double_redemptions\":" + num(v.double_redemptions) +
         ",\"lost_acks\":" + num(v.lost_acks) + ",\"notes\":" + strings_json(v.notes) + "}";
}

}  // namespace

std::size_t utf8_sequence_at(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char lead = b(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return cont(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if ((lead == 0xE0 && b(1) < 0xA0) || (lead == 0xED && b(1) >= 0xA0)) return 0;
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if ((lead == 0xF0 && b(1) < 0x90) || (lead == 0xF4 && b(1) >= 0x90)) return 0;
    return 4;
  }
  return 0;
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    const std::size_t n = utf8_sequence_at(s, i);
    if (n == 0) {
      out += "\\ufffd";  // not UTF-8: the replacement character
      ++i;
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out + "\"";
}

LatencySummary summarize(const Histogram& h) {
  constexpr double kNsPerUs = 1000.0;
  LatencySummary l;
  l.count = h.count();
  l.mean_us = h.mean() / kNsPerUs;
  l.p50_us = static_cast<double>(h.percentile(50)) / kNsPerUs;
  l.p90_us = static_cast<double>(h.percentile(90)) / kNsPerUs;
  l.p99_us = static_cast<double>(h.percentile(99)) / kNsPerUs;
  l.p999_us = static_cast<double>(h.percentile(99.9)) / kNsPerUs;
  l.max_us = static_cast<double>(h.max()) / kNsPerUs;
  return l;
}

std::string report_json(const Report& r) {
  std::string s = "{\"config\":{";
  for (std::size_t i = 0; i < r.config.size(); ++i) {
    s += (i ? "," : "") + json_quote(r.config[i].first) + ":" + json_quote(r.config[i].second);
  }
  s += "},\"elapsed_s\":" + num(r.elapsed_s) + ",\"start_monotonic_s\":" + num(r.start_monotonic_s) +
       ",\"throughput_rps\":" + num(r.throughput_rps) + ",\"client_cpu_pct\":" + num(r.client_cpu_pct);
  s += ",\"requests\":" + num(r.requests) + ",\"ok\":" + num(r.ok) +
       ",\"expected_rejections\":" + num(r.expected_rejections) + ",\"errors\":" + num(r.errors) +
       ",\"connect_failures\":" + num(r.connect_failures) + ",\"unsent_slots\":" + num(r.unsent_slots);
  s += ",\"latency\":" + latency_json(r.latency) + ",\"in_flight\":" + latency_json(r.in_flight) +
       ",\"send_lag\":" + latency_json(r.send_lag) + ",\"ops\":" + ops_json(r.ops);
  s += ",\"outcomes\":{";
  bool first = true;
  for (const auto& [name, count] : r.outcomes) {
    s += (first ? "" : ",") + json_quote(name) + ":" + num(count);
    first = false;
  }
  s += "},\"timeline\":" + timeline_json(r.timeline) +
       ",\"timeline_tail\":{\"requests\":" + num(r.timeline_tail_requests) +
       ",\"errors\":" + num(r.timeline_tail_errors) + "},\"verify\":" + verify_json(r.verify);
  s += ",\"error_samples\":" + strings_json(r.error_samples);
  s += ",\"warnings\":" + strings_json(r.warnings) + "}\n";
  return s;
}

}  // namespace codeledger::bench
