#pragma once
// Request metrics in Prometheus text format, as kube-apiserver names them:
// apiserver_request_total{verb,resource,code} and apiserver_request_duration_seconds{verb,resource}.
//
// A RequestScope marks the request a thread is serving; the respond helpers note the status
// code into it, and the scope records count and latency when it ends. Watches count when their
// stream starts.

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace mk::apiserver {

class Metrics {
 public:
  void observe(const std::string& verb, const std::string& resource, int code, double seconds);
  // The request families followed by `extra` (gauges the caller renders).
  std::string render(const std::string& extra) const;

 private:
  static const std::vector<double>& buckets();
  struct Histogram {
    std::vector<uint64_t> counts;  // cumulative per bucket at render time
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> totals_;
  std::map<std::pair<std::string, std::string>, Histogram> durations_;
};

class RequestScope {
 public:
  RequestScope(Metrics& metrics, std::string verb, std::string resource);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

 private:
  Metrics& metrics_;
  std::string verb_, resource_;
  std::chrono::steady_clock::time_point start_;
  RequestScope* previous_;

  friend void note_response_code(int code);
  int code_ = 0;
};

// Records the status code of the response the current thread is sending (no-op without a scope).
void note_response_code(int code);

}  // namespace mk::apiserver
