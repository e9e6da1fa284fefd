#include "bench/load/stats.h"

#include <cstdio>

namespace sluice::bench {
namespace {

constexpr double kPercentiles[] = {50, 90, 99, 99.9};
constexpr const char* kPercentileNames[] = {"p50", "p90", "p99", "p99.9"};

std::string ms(uint64_t us) {
  char b[32];
  snprintf(b, sizeof b, "%.3f", double(us) / 1000.0);
  return b;
}

}  // namespace

const char* to_string(ErrorKind k) {
  switch (k) {
    case ErrorKind::kConnectRefused: return "connect_refused";
    case ErrorKind::kConnectTimeout: return "connect_timeout";
    case ErrorKind::kConnectFailed: return "connect_failed";
    case ErrorKind::kReset: return "reset";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kClosedEarly: return "closed_early";
    case ErrorKind::kBadStatus: return "bad_status";
    case ErrorKind::kParse: return "parse";
    case ErrorKind::kCount: break;
  }
  return "?";
}

uint64_t Stats::total_errors() const {
  uint64_t n = 0;
  for (uint64_t e : errors) n += e;
  return n;
}

void Stats::merge(const Stats& o) {
  latency.merge(o.latency);
  responses += o.responses;
  requests_sent += o.requests_sent;
  connections += o.connections;
  body_bytes += o.body_bytes;
  for (size_t i = 0; i < status_class.size(); ++i) status_class[i] += o.status_class[i];
  for (size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
  if (o.elapsed > elapsed) elapsed = o.elapsed;  // workers run side by side
}

double Stats::requests_per_second() const {
  return elapsed.us > 0 ? double(responses) * 1e6 / double(elapsed.us) : 0.0;
}

double Stats::connections_per_second() const {
  return elapsed.us > 0 ? double(connections) * 1e6 / double(elapsed.us) : 0.0;
}

std::string format_table(const Stats& s, const std::string& what) {
  std::string out;
  char b[256];
  out += what + "\n";
  snprintf(b, sizeof b, "  %-14s %12.0f   (%llu responses in %.2fs)\n", "requests/s", s.requests_per_second(),
           (unsigned long long)s.responses, double(s.elapsed.us) / 1e6);
  out += b;
  snprintf(b, sizeof b, "  %-14s %12.0f   (%llu connections)\n", "connections/s", s.connections_per_second(),
           (unsigned long long)s.connections);
  out += b;
  out += "  latency (ms)      mean      p50      p90      p99    p99.9      max\n";
  snprintf(b, sizeof b, "               %8.3f %8s %8s %8s %8s %8s\n", s.latency.mean() / 1000.0,
           ms(s.latency.value_at(50)).c_str(), ms(s.latency.value_at(90)).c_str(), ms(s.latency.value_at(99)).c_str(),
           ms(s.latency.value_at(99.9)).c_str(), ms(s.latency.max()).c_str());
  out += b;
  snprintf(b, sizeof b, "  status         2xx %llu  3xx %llu  4xx %llu  5xx %llu\n",
           (unsigned long long)s.status_class[2], (unsigned long long)s.status_class[3],
           (unsigned long long)s.status_class[4], (unsigned long long)s.status_class[5]);
  out += b;
  out += "  errors        ";
  if (s.total_errors() == 0) out += " none";
  for (size_t i = 0; i < s.errors.size(); ++i) {
    if (s.errors[i] == 0) continue;
    snprintf(b, sizeof b, " %s %llu", to_string(ErrorKind(i)), (unsigned long long)s.errors[i]);
    out += b;
  }
  out += "\n";
  return out;
}

std::string format_json(const Stats& s, const std::string& what) {
  std::string out = "{";
  char b[256];
  snprintf(b, sizeof b, "\"target\": \"%s\", \"elapsed_s\": %.3f, \"responses\": %llu, \"requests_sent\": %llu, ",
           what.c_str(), double(s.elapsed.us) / 1e6, (unsigned long long)s.responses,
           (unsigned long long)s.requests_sent);
  out += b;
  snprintf(b, sizeof b, "\"connections\": %llu, \"requests_per_s\": %.1f, \"connections_per_s\": %.1f, ",
           (unsigned long long)s.connections, s.requests_per_second(), s.connections_per_second());
  out += b;
  snprintf(b, sizeof b, "\"body_bytes\": %llu, \"latency_us\": {\"mean\": %.1f, \"min\": %llu, ",
           (unsigned long long)s.body_bytes, s.latency.mean(), (unsigned long long)s.latency.min());
  out += b;
  for (size_t i = 0; i < 4; ++i) {
    snprintf(b, sizeof b, "\"%s\": %llu, ", kPercentileNames[i], (unsigned long long)s.latency.value_at(kPercentiles[i]));
    out += b;
  }
  snprintf(b, sizeof b, "\"max\": %llu}, \"status\": {\"2xx\": %llu, \"3xx\": %llu, \"4xx\": %llu, \"5xx\": %llu}, ",
           (unsigned long long)s.latency.max(), (unsigned long long)s.status_class[2],
           (unsigned long long)s.status_class[3], (unsigned long long)s.status_class[4],
           (unsigned long long)s.status_class[5]);
  out += b;
  out += "\"errors\": {";
  for (size_t i = 0; i < s.errors.size(); ++i) {
    snprintf(b, sizeof b, "%s\"%s\": %llu", i ? ", " : "", to_string(ErrorKind(i)), (unsigned long long)s.errors[i]);
    out += b;
  }
  out += "}}\n";
  return out;
}

}  // namespace sluice::bench
