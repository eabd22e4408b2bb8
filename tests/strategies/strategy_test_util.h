#pragma once
// A registry over a fresh SQLite store with the built-in kinds and strategies, and helpers that
// read a failed write the way a client sees it (code, message, causes).

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "server/apiserver/registry.h"
#include "server/apiserver/strategies.h"
#include "store/kv.h"

namespace mk::apiserver::test {

using nlohmann::json;

class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/mk-strategies-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class Cluster {
 public:
  Cluster() {
    store::SqliteOptions o;
    o.path = dir_.file("state.db");
    o.durability = store::Durability::normal;
    o.compact_interval_ms = 0;
    auto s = store::open_sqlite(o);
    if (!s) throw std::runtime_error("open store: " + s.error().message);
    store_ = std::move(*s);
    ctx_.reset(new ApiContext{ObjectStore(*store_), api::KindRegistry::builtin(), pool_, strategy_for, {}, "10.43.0.0/16", "10.43.0.10"});
    registry_ = std::make_unique<Registry>(*ctx_);
    auto ns = create("Namespace", json{{"metadata", {{"name", "default"}}}});
    if (!ns) throw std::runtime_error("create namespace: " + ns.error().message);
  }

  static const api::KindInfo& kind(const std::string& name) {
    static const std::vector<std::pair<std::string, std::string>> groups = {
        {"", "v1"}, {"apps", "v1"}, {"batch", "v1"}, {"discovery.k8s.io", "v1"}, {"coordination.k8s.io", "v1"},
        {"rbac.authorization.k8s.io", "v1"}, {"scheduling.k8s.io", "v1"}, {"storage.k8s.io", "v1"},
        {"networking.k8s.io", "v1"}, {"policy", "v1"}};
    for (const auto& [group, version] : groups)
      if (const auto* k = api::KindRegistry::builtin().by_kind(group, version, name)) return *k;
    throw std::runtime_error("unknown kind " + name);
  }

  ApiResult<json> create(const std::string& kind_name, json body, const std::string& ns = "default") {
    const auto& k = kind(kind_name);
    return registry_->create(k, k.namespaced ? ns : "", std::move(body), options());
  }

  ApiResult<json> update(const std::string& kind_name, json body, const std::string& ns = "default",
                         const std::string& subresource = "") {
    const auto& k = kind(kind_name);
    std::string name = body["metadata"]["name"];
    return registry_->update(k, k.namespaced ? ns : "", name, subresource, std::move(body), options());
  }

  // Creates and insists on success, for objects a test builds on.
  json must_create(const std::string& kind_name, json body, const std::string& ns = "default") {
    auto r = create(kind_name, std::move(body), ns);
    if (!r) FAIL("create " << kind_name << ": " << r.error().message);
    return *r;
  }

 private:
  static WriteOptions options() {
    WriteOptions o;
    o.user = User{"tester", {"system:masters"}};
    return o;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  ThreadPool pool_{2};
  std::unique_ptr<ApiContext> ctx_;
  std::unique_ptr<Registry> registry_;
};

// The causes' full messages, in order.
inline std::vector<std::string> cause_messages(const api::ApiError& e) {
  std::vector<std::string> out;
  for (const auto& c : e.causes) out.push_back(c.message);
  return out;
}

// Whether a cause with exactly this reason, field and message is present.
inline bool has_cause(const api::ApiError& e, const std::string& reason, const std::string& field, const std::string& message) {
  for (const auto& c : e.causes)
    if (c.reason == reason && c.field == field && c.message == message) return true;
  return false;
}

inline std::string dump_causes(const api::ApiError& e) {
  std::string out = e.message + "\n";
  for (const auto& c : e.causes) out += "  [" + c.reason + "] " + c.field + " | " + c.message + "\n";
  return out;
}

// A container spec that passes validation.
inline json container(const std::string& name = "app", const std::string& image = "busybox:1.36") {
  return json{{"name", name}, {"image", image}};
}

inline json pod(const std::string& name, json spec) {
  return json{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", name}}}, {"spec", std::move(spec)}};
}

}  // namespace mk::apiserver::test
