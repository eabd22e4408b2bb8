#include "server/apiserver/metrics.h"

#include <cstdio>

namespace mk::apiserver {
namespace {
thread_local RequestScope* current_scope = nullptr;

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

const std::vector<double>& Metrics::buckets() {
  static const std::vector<double> b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return b;
}

void Metrics::observe(const std::string& verb, const std::string& resource, int code, double seconds) {
  std::lock_guard lock(mu_);
  totals_[{verb, resource, code}]++;
  auto& h = durations_[{verb, resource}];
  if (h.counts.empty()) h.counts.assign(buckets().size(), 0);
  for (size_t i = 0; i < buckets().size(); ++i)
    if (seconds <= buckets()[i]) {
      h.counts[i]++;
      break;
    }
  h.count++;
  h.sum += seconds;
}

std::string Metrics::render(const std::string& extra) const {
  std::string out;
  out += "# HELP apiserver_request_total Requests served, by verb, resource and HTTP code.\n";
  out += "# TYPE apiserver_request_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, n] : totals_) {
    const auto& [verb, resource, code] = key;
    out += "apiserver_request_total{verb=\"" + verb + "\",resource=\"" + resource + "\",code=\"" +
           std::to_string(code) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP apiserver_request_duration_seconds Request latency, by verb and resource.\n";
  out += "# TYPE apiserver_request_duration_seconds histogram\n";
  for (const auto& [key, h] : durations_) {
    std::string labels = "verb=\"" + key.first + "\",resource=\"" + key.second + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < buckets().size(); ++i) {
      cumulative += h.counts[i];
      out += "apiserver_request_duration_seconds_bucket{" + labels + ",le=\"" + format_double(buckets()[i]) +
             "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "apiserver_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += "apiserver_request_duration_seconds_sum{" + labels + "} " + format_double(h.sum) + "\n";
    out += "apiserver_request_duration_seconds_count{" + labels + "} " + std::to_string(h.count) + "\n";
  }
  out += extra;
  return out;
}

RequestScope::RequestScope(Metrics& metrics, std::string verb, std::string resource)
    : metrics_(metrics), verb_(std::move(verb)), resource_(std::move(resource)),
      start_(std::chrono::steady_clock::now()), previous_(current_scope) {
  current_scope = this;
}

RequestScope::~RequestScope() {
  current_scope = previous_;
  if (code_ == 0) return;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  metrics_.observe(verb_, resource_, code_, secs);
}

void note_response_code(int code) {
  if (current_scope && current_scope->code_ == 0) current_scope->code_ = code;
}

}  // namespace mk::apiserver
