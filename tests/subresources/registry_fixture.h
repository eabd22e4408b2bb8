#pragma once
// The real Registry over a SQLite store in a temporary directory, with the built-in kinds and
// strategies and the "default" namespace, for exercising subresources without HTTP.

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/thread_pool.h"
#include "server/apiserver/registry.h"
#include "server/apiserver/strategies.h"
#include "store/kv.h"

namespace mk::apiserver::test {

using nlohmann::json;

class RegistryFixture {
 public:
  RegistryFixture() {
    std::string pattern = "/tmp/mk-subresources-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    store::SqliteOptions o;
    o.path = dir_ + "/state.db";
    o.durability = store::Durability::normal;
    o.compact_interval_ms = 0;
    auto s = store::open_sqlite(o);
    if (!s) throw std::runtime_error("open store: " + s.error().message);
    store_ = std::move(*s);
    ctx_.reset(new ApiContext{ObjectStore(*store_), api::KindRegistry::builtin(), pool_, strategy_for, {}, "10.43.0.0/16",
                              "10.43.0.10"});
    registry_ = std::make_unique<Registry>(*ctx_);
    must_create("", "Namespace", json{{"metadata", {{"name", "default"}}}});
  }
  ~RegistryFixture() {
    registry_.reset();
    ctx_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RegistryFixture(const RegistryFixture&) = delete;
  RegistryFixture& operator=(const RegistryFixture&) = delete;

  Registry& registry() { return *registry_; }

  static const api::KindInfo& kind(const std::string& group, const std::string& name) {
    const auto* k = api::KindRegistry::builtin().by_kind(group, "v1", name);
    if (!k) throw std::runtime_error("unknown kind " + name);
    return *k;
  }

  static WriteOptions options() {
    WriteOptions o;
    o.user = User{"tester", {"system:masters"}};
    o.field_manager = "tester";
    return o;
  }

  json must_create(const std::string& group, const std::string& kind_name, json body, const std::string& ns = "default") {
    const auto& k = kind(group, kind_name);
    auto r = registry_->create(k, k.namespaced ? ns : "", std::move(body), options());
    if (!r) FAIL("create " << kind_name << ": " << r.error().message);
    return *r;
  }

  json must_get(const std::string& group, const std::string& kind_name, const std::string& name,
                const std::string& ns = "default") {
    const auto& k = kind(group, kind_name);
    auto r = registry_->get(k, k.namespaced ? ns : "", name);
    if (!r) FAIL("get " << kind_name << " " << name << ": " << r.error().message);
    return *r;
  }

  bool exists(const std::string& group, const std::string& kind_name, const std::string& name,
              const std::string& ns = "default") {
    const auto& k = kind(group, kind_name);
    return static_cast<bool>(registry_->get(k, k.namespaced ? ns : "", name));
  }

  // Writes the object's status as a controller (or the kubelet) would.
  json must_set_status(const std::string& group, const std::string& kind_name, const std::string& name, json status,
                       const std::string& ns = "default") {
    const auto& k = kind(group, kind_name);
    auto r = registry_->modify(
        k, ns, name, "status",
        [&](const json& cur) -> ApiResult<json> {
          json next = cur;
          next["status"] = status;
          return next;
        },
        options());
    if (!r) FAIL("status of " << kind_name << " " << name << ": " << r.error().message);
    return *r;
  }

 private:
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  ThreadPool pool_{2};
  std::unique_ptr<ApiContext> ctx_;
  std::unique_ptr<Registry> registry_;
};

inline json container(const std::string& name = "app") { return json{{"name", name}, {"image", "busybox:1.36"}}; }

inline json pod(const std::string& name, const json& labels = json::object()) {
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"labels", labels}}},
              {"spec", {{"containers", {container()}}}}};
}

inline json deployment(const std::string& name, int replicas) {
  return json{{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", name}}},
              {"spec",
               {{"replicas", replicas},
                {"selector", {{"matchLabels", {{"app", name}}}}},
                {"template", {{"metadata", {{"labels", {{"app", name}}}}}, {"spec", {{"containers", {container()}}}}}}}}};
}

}  // namespace mk::apiserver::test
