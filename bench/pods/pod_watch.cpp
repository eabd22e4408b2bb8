#include "pod_watch.h"

#include <nlohmann/json.hpp>

#include "interrupt.h"

namespace mk::podbench {

Result<std::unique_ptr<PodWatch>> PodWatch::open(const bench::TlsMaterial& tls, int port, const std::string& ns,
                                                 const std::string& from) {
  std::unique_ptr<PodWatch> watch(new PodWatch());
  std::string path = "/api/v1/namespaces/" + ns + "/pods?watch=true&resourceVersion=" + from;
  PodWatch* self = watch.get();
  auto stream = bench::WatchStreams::open(tls, port, path, 1, 1, [self](size_t, std::string_view line, int64_t ns_at) {
    self->on_event(line, ns_at);
  });
  if (!stream) return stream.error();
  watch->stream_ = std::move(*stream);
  return watch;
}

void PodWatch::on_event(std::string_view line, int64_t received_ns) {
  auto event = nlohmann::json::parse(line, nullptr, false);
  if (!event.is_object()) return;
  const auto& object = event.value("object", nlohmann::json::object());
  if (!object.is_object()) return;
  std::string name = object.value("metadata", nlohmann::json::object()).value("name", "");
  if (name.empty()) return;
  bool bound = !object.value("spec", nlohmann::json::object()).value("nodeName", "").empty();
  bool running = object.value("status", nlohmann::json::object()).value("phase", "") == "Running";
  std::lock_guard<std::mutex> lock(mu_);
  PodTimes& t = times_[name];
  if (bound && t.scheduled_ns == 0) t.scheduled_ns = received_ns;
  if (running && t.running_ns == 0) {
    t.running_ns = received_ns;
    seen_.notify_all();
  }
}

Result<PodTimes> PodWatch::wait_running(const std::string& name, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    auto it = times_.find(name);
    if (it != times_.end() && it->second.running_ns != 0) return it->second;
    if (bench::interrupted()) return make_error(Errc::cancelled, "interrupted");
    if (Status s = stream_->health(); !s) return s.error();
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error(Errc::unavailable, "pod " + name + " not seen Running in time");
    }
    // Woken by the event; the timeout only bounds how late a failure or Ctrl-C is noticed.
    seen_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

}  // namespace mk::podbench
