#include "server/apiserver/in_process_client.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

#include "api/json_path.h"
#include "server/apiserver/patch.h"
#include "server/apiserver/subresources/binding.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

// A watch fed by the store: one thread waits for store events, turns them into watch events
// filtered by the selectors, and calls the consumer.
class InProcessWatch final : public client::WatchHandle {
 public:
  InProcessWatch(const api::KindInfo& kind, Registry::Filter filter, std::unique_ptr<store::Watcher> watcher,
                 std::vector<json> initial, std::function<bool(const client::WatchEvent&)> on_event,
                 std::function<void(const std::string&)> on_end)
      : kind_(kind), filter_(std::move(filter)), watcher_(std::move(watcher)) {
    thread_ = std::thread([this, initial = std::move(initial), on_event = std::move(on_event),
                           on_end = std::move(on_end)]() mutable { run(std::move(initial), on_event, on_end); });
  }
  ~InProcessWatch() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  void stamp(json& obj, store::Revision rev) {
    obj["kind"] = kind_.kind;
    obj["apiVersion"] = kind_.api_version();
    obj["metadata"]["resourceVersion"] = std::to_string(rev);
  }

  void run(std::vector<json> initial, const std::function<bool(const client::WatchEvent&)>& on_event,
           const std::function<void(const std::string&)>& on_end) {
    for (auto& obj : initial) {
      client::WatchEvent ev{"ADDED", &obj};
      if (!on_event(ev)) return;
    }
    while (!stop_) {
      watcher_->wait_for(200);
      for (auto& e : watcher_->take(512)) {
        if (stop_) return;
        json old, cur;
        bool had = false, has = false;
        if (e.prev) {
          old = json::parse(e.prev->value, nullptr, false);
          had = old.is_object() && filter_(old);
        }
        const char* type = nullptr;
        json* obj = nullptr;
        if (e.type == store::Event::Type::del) {
          if (!had) continue;
          stamp(old, e.kv.mod_revision);
          type = "DELETED";
          obj = &old;
        } else {
          cur = json::parse(e.kv.value, nullptr, false);
          if (!cur.is_object()) continue;
          stamp(cur, e.kv.mod_revision);
          has = filter_(cur);
          if (has) {
            type = had ? "MODIFIED" : "ADDED";
          } else if (had) {
            type = "DELETED";
          } else {
            continue;
          }
          obj = &cur;
        }
        client::WatchEvent ev{type, obj};
        if (!on_event(ev)) return;
      }
      if (auto why = watcher_->cancelled()) {
        if (on_end) on_end(why->message);
        return;
      }
    }
  }

  const api::KindInfo& kind_;
  Registry::Filter filter_;
  std::unique_ptr<store::Watcher> watcher_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class InProcessClient final : public client::ApiClient {
 public:
  InProcessClient(Registry& registry, User user) : registry_(registry), user_(std::move(user)) {}

  client::Response<json> get(const client::Resource& r, const std::string& ns, const std::string& name) override {
    const api::KindInfo* k = kind(r);
    if (!k) return unknown(r);
    return wrap(registry_.get(*k, ns, name));
  }

  client::Response<json> list(const client::Resource& r, const std::string& ns,
                              const client::ListOptions& opts) override {
    const api::KindInfo* k = kind(r);
    if (!k) return unknown(r);
    ListParams p{opts.label_selector, opts.field_selector, opts.limit, opts.continue_token, opts.resource_version, ""};
    return wrap(registry_.list(*k, ns, p));
  }

  client::Response<json> create(const client::Resource& r, const std::string& ns, const json& obj) override {
    const api::KindInfo* k = kind(r);
    if (!k) return unknown(r);
    return wrap(registry_.create(*k, ns, obj, options()));
  }

  client::Response<json> create_subresource(const client::Resource& r, const std::string& ns, const std::string& name,
                                            const std::string& subresource, const json& body) override {
    const api::KindInfo* k = kind(r);
    if (!k) return unknown(r);
    if (k->kind == "Pod" && subresource == "binding") return wrap(bind_pod(registry_, ns, name, body, options()));
    return client::ApiClient::create_subresource(r, ns, name, subresource, body);
  }

  client::Response<json> update(const client::Resource& r, const std::string& ns, const json& obj,
                                const std::string& subresource) override {
    const api::KindInfo* k = kind(r);
    if (!k) return unknown(r);
    return wrap(registry_.update(*k, ns, api::string_at(obj, "metadata.name"), subresource, obj, options()));
  }

  client::Response<json> patch(const client::Resource& r, const std::string& ns, const std::string& name,
                               const std::string& content_type, const std::string& body,
                               const std::string& subresource) override {
    const api::KindInfo* k = kind(r);
    if (!k) return unknown(r);
    PatchType type = patch_type_of(content_type);
    return wrap(registry_.modify(*k, ns, name, subresource,
                                 [&](const json& cur) { return apply_patch(*k, type, cur, body); }, options()));
  }

  client::Response<json> remove(const client::Resource& r, const std::string& ns, const std::string& name,
                                const json& delete_options) override {
    const api::KindInfo* k = kind(r);
    if (!k) return unknown(r);
    DeleteOptions o;
    if (delete_options.is_object()) {
      if (delete_options.contains("propagationPolicy"))
        o.propagation_policy = delete_options["propagationPolicy"].get<std::string>();
      if (delete_options.contains("gracePeriodSeconds"))
        o.grace_period_seconds = delete_options["gracePeriodSeconds"].get<int64_t>();
      if (const json* uid = api::find_path(delete_options, "preconditions.uid"); uid && uid->is_string())
        o.precondition_uid = uid->get<std::string>();
      if (const json* rv = api::find_path(delete_options, "preconditions.resourceVersion"); rv && rv->is_string())
        o.precondition_resource_version = rv->get<std::string>();
    }
    auto r2 = registry_.remove(*k, ns, name, o);
    if (!r2) return r2.error();
    return r2->object;
  }

  client::Response<std::unique_ptr<client::WatchHandle>> watch(
      const client::Resource& r, const std::string& ns, const client::WatchOptions& opts,
      std::function<bool(const client::WatchEvent&)> on_event, std::function<void(const std::string&)> on_end) override {
    const api::KindInfo* k = kind(r);
    if (!k) return unknown(r);
    auto filter = registry_.make_filter(*k, ns, opts.label_selector, opts.field_selector);
    if (!filter) return filter.error();
    std::vector<json> initial;
    store::Revision from = 0;
    if (opts.resource_version.empty() || opts.resource_version == "0") {
      auto l = registry_.list(*k, ns, ListParams{opts.label_selector, opts.field_selector, 0, "", "", ""});
      if (!l) return l.error();
      for (auto& item : (*l)["items"]) initial.push_back(std::move(item));
      from = std::stoll((*l)["metadata"]["resourceVersion"].get<std::string>());
    } else {
      try {
        from = std::stoll(opts.resource_version);
      } catch (...) {
        return api::bad_request("resourceVersion: Invalid value: \"" + opts.resource_version + "\"");
      }
    }
    std::string pfx = ObjectStore::prefix(*k, ns);
    auto w = registry_.context().objects.kv().watch({pfx, store::prefix_end(pfx), from + 1, true});
    if (!w) {
      if (w.error().code == Errc::compacted) return api::gone("too old resource version: " + std::to_string(from));
      return api::from_store_error(w.error());
    }
    return std::unique_ptr<client::WatchHandle>(std::make_unique<InProcessWatch>(
        *k, std::move(*filter), std::move(*w), std::move(initial), std::move(on_event), std::move(on_end)));
  }

 private:
  const api::KindInfo* kind(const client::Resource& r) const {
    return registry_.context().kinds.by_resource(r.group, r.version, r.plural);
  }
  static api::ApiError unknown(const client::Resource& r) {
    return api::not_found(r.plural, r.group, r.plural, "");
  }
  WriteOptions options() const {
    WriteOptions o;
    o.user = user_;
    o.field_validation = "Strict";
    return o;
  }
  template <typename T>
  static client::Response<T> wrap(ApiResult<T> r) {
    if (!r) return r.error();
    return std::move(*r);
  }

  Registry& registry_;
  User user_;
};

}  // namespace

std::unique_ptr<client::ApiClient> make_in_process_client(Registry& registry, User user) {
  return std::make_unique<InProcessClient>(registry, std::move(user));
}

}  // namespace mk::apiserver
