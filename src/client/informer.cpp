#include "client/informer.h"

#include <chrono>

#include "common/log.h"

namespace mk::client {

using nlohmann::json;

Informer::Informer(ApiClient& client, Resource resource, std::string ns, WatchOptions selectors)
    : client_(client), resource_(std::move(resource)), ns_(std::move(ns)), selectors_(std::move(selectors)) {}

Informer::~Informer() { stop(); }

void Informer::add_handler(ChangeHandler handler) { handlers_.push_back(std::move(handler)); }

void Informer::set_transform(std::function<json(const json&)> transform) { transform_ = std::move(transform); }

void Informer::start() {
  thread_ = std::thread([this] { run(); });
}

void Informer::request_stop() {
  stop_ = true;
  wake_.notify_all();
}

void Informer::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

bool Informer::wait_synced(int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!synced_ && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return synced_;
}

std::string Informer::key_of(const json& obj) {
  const auto& m = obj["metadata"];
  std::string ns = m.value("namespace", "");
  std::string name = m.value("name", "");
  return ns.empty() ? name : ns + "/" + name;
}

std::optional<json> Informer::get(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = cache_.find(ns.empty() ? name : ns + "/" + name);
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

std::vector<json> Informer::list(const std::string& ns) const {
  std::lock_guard lock(mu_);
  std::vector<json> out;
  for (const auto& [k, v] : cache_) {
    if (!ns.empty() && v["metadata"].value("namespace", "") != ns) continue;
    out.push_back(v);
  }
  return out;
}

void Informer::for_each(const std::function<void(const json&)>& fn) const {
  std::lock_guard lock(mu_);
  for (const auto& [k, v] : cache_) fn(v);
}

void Informer::apply(ChangeType type, const json& raw) {
  json transformed;
  if (transform_) transformed = transform_(raw);
  const json& obj = transform_ ? transformed : raw;
  std::string key = key_of(obj);
  std::optional<json> old;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) old = it->second;
    if (type == ChangeType::deleted) {
      cache_.erase(key);
    } else {
      cache_[key] = obj;
      if (old) type = ChangeType::updated;
    }
    resource_version_ = obj["metadata"].value("resourceVersion", resource_version_);
  }
  for (const auto& h : handlers_) h(type, obj, old ? &*old : nullptr);
}

// Lists and replaces the cache; handlers see adds, updates and deletes relative to it.
bool Informer::relist() {
  ListOptions opts;
  opts.label_selector = selectors_.label_selector;
  opts.field_selector = selectors_.field_selector;
  auto list = client_.list(resource_, ns_, opts);
  if (!list) {
    MK_LOG(warn) << "informer " << resource_.plural << ": list: " << list.error().message;
    return false;
  }
  std::map<std::string, json> fresh;
  for (const auto& item : (*list)["items"]) fresh[key_of(item)] = item;
  std::vector<json> gone;
  {
    std::lock_guard lock(mu_);
    for (const auto& [k, v] : cache_)
      if (!fresh.count(k)) gone.push_back(v);
  }
  for (auto& g : gone) apply(ChangeType::deleted, g);
  for (auto& [k, v] : fresh) apply(ChangeType::added, v);
  std::lock_guard lock(mu_);
  resource_version_ = (*list)["metadata"].value("resourceVersion", "");
  return true;
}

void Informer::run() {
  int backoff_ms = 100;
  while (!stop_) {
    if (!relist()) {
      std::unique_lock lock(wake_mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [&] { return stop_.load(); });
      backoff_ms = std::min(backoff_ms * 2, 5000);
      continue;
    }
    backoff_ms = 100;
    synced_ = true;
    need_relist_ = false;
    // Watch from the cache's revision until told to relist.
    while (!stop_ && !need_relist_) {
      WatchOptions wo = selectors_;
      {
        std::lock_guard lock(mu_);
        wo.resource_version = resource_version_;
      }
      stream_ended_ = false;
      auto handle = client_.watch(
          resource_, ns_, wo,
          [this](const WatchEvent& ev) {
            if (stop_) return false;
            if (ev.type == "ADDED" || ev.type == "MODIFIED") {
              apply(ChangeType::added, *ev.object);
            } else if (ev.type == "DELETED") {
              apply(ChangeType::deleted, *ev.object);
            } else if (ev.type == "BOOKMARK") {
              std::lock_guard lock(mu_);
              resource_version_ = (*ev.object)["metadata"].value("resourceVersion", resource_version_);
            } else if (ev.type == "ERROR") {
              need_relist_ = true;
              stream_ended_ = true;
              wake_.notify_all();
              return false;
            }
            return true;
          },
          [this](const std::string& why) {
            MK_LOG(debug) << "informer " << resource_.plural << ": watch ended: " << why;
            stream_ended_ = true;
            wake_.notify_all();
          });
      if (!handle) {
        if (handle.error().code == 410) need_relist_ = true;
        std::unique_lock lock(wake_mu_);
        wake_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [&] { return stop_.load(); });
        backoff_ms = std::min(backoff_ms * 2, 5000);
        continue;
      }
      backoff_ms = 100;
      std::unique_lock lock(wake_mu_);
      wake_.wait(lock, [&] { return stop_.load() || stream_ended_.load(); });
    }
  }
}

}  // namespace mk::client
