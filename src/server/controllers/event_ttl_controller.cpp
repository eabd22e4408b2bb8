#include "server/controllers/event_ttl_controller.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api/json_path.h"
#include "api/timestamp.h"
#include "client/informer.h"
#include "common/log.h"
#include "server/controllers/informer_factory.h"

namespace mk::controllers {
namespace {

using nlohmann::json;

const client::Resource kEvents{"", "v1", "events"};

// The last time the event happened: lastTimestamp, else eventTime (series), else creation.
std::optional<api::TimePoint> last_seen(const json& ev) {
  for (const char* path : {"lastTimestamp", "series.lastObservedTime", "eventTime", "metadata.creationTimestamp"}) {
    std::string s = api::string_at(ev, path);
    if (s.empty()) continue;
    if (auto t = api::parse_time(s)) return *t;
  }
  return std::nullopt;
}

class EventTtlController final : public Controller {
 public:
  EventTtlController(std::chrono::seconds ttl, std::chrono::seconds period) : ttl_(ttl), period_(period) {}
  std::string name() const override { return "event-ttl"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    events_ = &informers.get(kEvents);
  }

  void run() override {
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!cv_.wait_for(lock, period_, [this] { return stop_.load(); })) {
        lock.unlock();
        sweep();
        lock.lock();
      }
    });
  }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void sweep() {
    auto cutoff = std::chrono::system_clock::now() - ttl_;
    std::vector<std::pair<std::string, std::string>> expired;
    events_->for_each([&](const json& ev) {
      auto t = last_seen(ev);
      if (t && *t < cutoff)
        expired.emplace_back(api::string_at(ev, "metadata.namespace"), api::string_at(ev, "metadata.name"));
    });
    for (const auto& [ns, name] : expired) {
      if (stop_) return;
      auto r = client_->remove(kEvents, ns, name, json::object());
      if (!r && !r.not_found()) MK_LOG(warn) << "event ttl: " << ns << "/" << name << ": " << r.error().message;
    }
    if (!expired.empty()) MK_LOG(debug) << "event ttl: deleted " << expired.size() << " expired event(s)";
  }

  std::chrono::seconds ttl_, period_;
  client::ApiClient* client_ = nullptr;
  client::Informer* events_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Controller> make_event_ttl_controller(std::chrono::seconds ttl, std::chrono::seconds period) {
  return std::make_unique<EventTtlController>(ttl, period);
}

}  // namespace mk::controllers
