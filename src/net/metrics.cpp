// Metrics: request counts by method, route and status, and a latency histogram, served at
// /metrics in the Prometheus text exposition format (version 0.0.4).
#include <cstdio>
#include <string>
#include <string_view>
#include <tuple>

#include "cairn/net/http.hpp"
#include "net/internal/server_impl.hpp"

namespace cairn::net {

void Metrics::record(const std::string& method, const std::string& route, int status,
                     std::chrono::microseconds latency) {
  double seconds = static_cast<double>(latency.count()) / 1e6;
  std::lock_guard lock(mu_);
  auto key = std::make_tuple(std::string_view(method), std::string_view(route), status);
  auto it = requests_.find(key);
  if (it == requests_.end())
    it = requests_.emplace(std::make_tuple(method, route, status), 0).first;
  ++it->second;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++bucket_counts_[i];
  }
  ++latency_count_;
  latency_sum_ += seconds;
}

std::string Metrics::text(uint64_t open_connections) const {
  std::string out;
  out += "# HELP cairn_http_requests_total HTTP requests answered, by method, route and status.\n";
  out += "# TYPE cairn_http_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, count] : requests_) {
    const auto& [method, route, status] = key;
    out += "cairn_http_requests_total{method=" + json_quote(method) +
           ",route=" + json_quote(route) + ",status=\"" + std::to_string(status) + "\"} " +
           std::to_string(count) + "\n";
  }
  out += "# HELP cairn_http_request_duration_seconds Time to answer a request.\n";
  out += "# TYPE cairn_http_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    char le[32];
    std::snprintf(le, sizeof le, "%g", kBuckets[i]);
    out += "cairn_http_request_duration_seconds_bucket{le=\"" + std::string(le) + "\"} " +
           std::to_string(bucket_counts_[i]) + "\n";
  }
  out += "cairn_http_request_duration_seconds_bucket{le=\"+Inf\"} " +
         std::to_string(latency_count_) + "\n";
  char sum[64];
  std::snprintf(sum, sizeof sum, "%.6f", latency_sum_);
  out += "cairn_http_request_duration_seconds_sum " + std::string(sum) + "\n";
  out += "cairn_http_request_duration_seconds_count " + std::to_string(latency_count_) + "\n";
  out += "# HELP cairn_http_open_connections Connections open now.\n";
  out += "# TYPE cairn_http_open_connections gauge\n";
  out += "cairn_http_open_connections " + std::to_string(open_connections) + "\n";
  return out;
}

}  // namespace cairn::net
