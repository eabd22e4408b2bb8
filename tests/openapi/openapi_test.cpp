// The OpenAPI documents: what kubectl needs to validate on the server, patch and explain, and
// that every document is self-contained and reproducible.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "api/kinds/kind_info.h"
#include "api/schema/schema.h"
#include "server/apiserver/openapi/openapi.h"

using nlohmann::json;
namespace openapi = mk::apiserver::openapi;

namespace {

const mk::api::schema::Schema& schema() { return mk::api::schema::Schema::builtin(); }
const mk::api::KindRegistry& kinds() { return mk::api::KindRegistry::builtin(); }

json v3(const std::string& group, const std::string& version) {
  auto doc = openapi::v3_document(schema(), kinds(), group, version);
  REQUIRE(doc.has_value());
  return *doc;
}

const json& schema_of(const json& doc, const std::string& name) {
  const auto& schemas = doc.at("components").at("schemas");
  INFO(name);
  REQUIRE(schemas.contains(name));
  return schemas.at(name);
}

// The component schema tagged with `gvk`, as kubectl looks it up; nullptr when there is none.
const json* schema_with_gvk(const json& doc, const json& gvk) {
  for (const auto& [name, s] : doc.at("components").at("schemas").items()) {
    if (!s.contains("x-kubernetes-group-version-kind")) continue;
    for (const auto& candidate : s.at("x-kubernetes-group-version-kind"))
      if (candidate == gvk) return &s;
  }
  return nullptr;
}

bool has_query_parameter(const json& op, const std::string& name) {
  for (const auto& p : op.at("parameters"))
    if (p.at("name") == name && p.at("in") == "query") return true;
  return false;
}

// Every "$ref" anywhere in `node`.
void collect_refs(const json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "$ref" && it.value().is_string()) out.push_back(it.value());
      collect_refs(it.value(), out);
    }
  } else if (node.is_array()) {
    for (const auto& e : node) collect_refs(e, out);
  }
}

void check_refs_resolve(const json& doc, const std::string& prefix, const json& defs) {
  std::vector<std::string> refs;
  collect_refs(doc, refs);
  CHECK(!refs.empty());
  for (const auto& ref : refs) {
    INFO(ref);
    REQUIRE(ref.rfind(prefix, 0) == 0);
    CHECK(defs.contains(ref.substr(prefix.size())));
  }
}

}  // namespace

TEST_CASE("the v3 root lists every served group-version with its document's digest") {
  json root = openapi::v3_root(schema(), kinds());
  const auto& paths = root.at("paths");
  auto gvs = kinds().group_versions();
  CHECK(paths.size() == gvs.size());
  for (const auto& [group, version] : gvs) {
    std::string key = openapi::v3_key(group, version);
    INFO(key);
    REQUIRE(paths.contains(key));
    std::string url = paths.at(key).at("serverRelativeURL");
    CHECK(url == "/openapi/v3/" + key + "?hash=" + openapi::document_hash(v3(group, version)));
  }
  CHECK(paths.contains("api/v1"));
  CHECK(paths.contains("apis/apps/v1"));
  CHECK(paths.contains("apis/rbac.authorization.k8s.io/v1"));
}

TEST_CASE("an unknown group-version has no document") {
  auto doc = openapi::v3_document(schema(), kinds(), "nosuch.example.com", "v1");
  REQUIRE(!doc.has_value());
  CHECK(doc.error().code == mk::Errc::not_found);
  CHECK(openapi::builtin_documents().find_v3("apis/nosuch.example.com/v1") == nullptr);
}

TEST_CASE("deployments can be patched with server-side field validation") {
  json doc = v3("apps", "v1");
  CHECK(doc.at("openapi") == "3.0.0");
  const auto& item = doc.at("paths").at("/apis/apps/v1/namespaces/{namespace}/deployments/{name}");
  const auto& patch = item.at("patch");
  CHECK(patch.at("x-kubernetes-group-version-kind") == json({{"group", "apps"}, {"version", "v1"}, {"kind", "Deployment"}}));
  CHECK(patch.at("x-kubernetes-action") == "patch");
  CHECK(has_query_parameter(patch, "fieldValidation"));
  CHECK(has_query_parameter(patch, "fieldManager"));
  CHECK(has_query_parameter(patch, "dryRun"));
  CHECK(has_query_parameter(patch, "force"));
  const auto& content = patch.at("requestBody").at("content");
  for (const char* type : {"application/json-patch+json", "application/merge-patch+json",
                           "application/strategic-merge-patch+json", "application/apply-patch+yaml"})
    CHECK(content.contains(type));
  CHECK(item.at("put").at("x-kubernetes-action") == "put");
  CHECK(item.at("delete").at("x-kubernetes-action") == "delete");
  CHECK(item.at("get").at("x-kubernetes-action") == "get");

  const auto& collection = doc.at("paths").at("/apis/apps/v1/namespaces/{namespace}/deployments");
  const auto& list = collection.at("get");
  CHECK(list.at("x-kubernetes-action") == "list");
  for (const char* p : {"labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "watch"})
    CHECK(has_query_parameter(list, p));
  CHECK(list.at("responses").at("200").at("content").at("application/json").at("schema").at("$ref") ==
        "#/components/schemas/io.k8s.api.apps.v1.DeploymentList");
  CHECK(has_query_parameter(collection.at("post"), "fieldValidation"));
  CHECK(collection.at("delete").at("x-kubernetes-action") == "deletecollection");
  CHECK(doc.at("paths").at("/apis/apps/v1/deployments").at("get").at("operationId") ==
        "listAppsV1DeploymentForAllNamespaces");

  const auto& scale = doc.at("paths").at("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale");
  CHECK(scale.at("patch").at("x-kubernetes-group-version-kind") ==
        json({{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}}));
  CHECK(schema_of(doc, "io.k8s.api.autoscaling.v1.Scale").contains("x-kubernetes-group-version-kind"));
  CHECK(doc.at("paths").contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"));

  const auto& deployment = schema_of(doc, "io.k8s.api.apps.v1.Deployment");
  CHECK(deployment.at("x-kubernetes-group-version-kind") ==
        json::array({{{"group", "apps"}, {"version", "v1"}, {"kind", "Deployment"}}}));
  CHECK(deployment.at("properties").at("apiVersion").at("type") == "string");
  CHECK(deployment.at("properties").at("kind").at("type") == "string");
  const auto& strategy = schema_of(doc, "io.k8s.api.apps.v1.DeploymentSpec").at("properties").at("strategy");
  CHECK(strategy.at("x-kubernetes-patch-strategy") == "retainKeys");
  const auto& replicas = schema_of(doc, "io.k8s.api.apps.v1.DeploymentSpec").at("properties").at("replicas");
  CHECK(replicas.at("default") == 1);
  CHECK(replicas.at("format") == "int32");
  // Meta types come along into each document that uses them.
  CHECK(schema_of(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").at("type") == "object");
  CHECK(schema_of(doc, "io.k8s.api.core.v1.PodSpec").at("type") == "object");
}

TEST_CASE("every kind of every group-version has a patch operation kubectl recognises") {
  for (const auto& k : kinds().all()) {
    // The review kinds are create-only: there is nothing to patch.
    bool patchable = std::find(k.verbs.begin(), k.verbs.end(), "patch") != k.verbs.end();
    json doc = v3(k.group, k.version);
    bool found = false;
    for (const auto& [path, item] : doc.at("paths").items()) {
      if (!item.contains("patch")) continue;
      const auto& op = item.at("patch");
      if (op.at("x-kubernetes-group-version-kind") ==
              json({{"group", k.group}, {"version", k.version}, {"kind", k.kind}}) &&
          has_query_parameter(op, "fieldValidation"))
        found = true;
    }
    INFO(k.kind);
    CHECK(found == patchable);
    // kubectl explain and client-side patching find the kind's schema by its GVK.
    const json* root = schema_with_gvk(doc, {{"group", k.group}, {"version", k.version}, {"kind", k.kind}});
    REQUIRE(root != nullptr);
    CHECK(root->at("properties").contains("metadata"));
  }
}

TEST_CASE("core types read like upstream's") {
  json doc = v3("", "v1");
  const auto& container = schema_of(doc, "io.k8s.api.core.v1.Container");
  const auto& resources = container.at("properties").at("resources");
  CHECK(resources.at("allOf").at(0).at("$ref") == "#/components/schemas/io.k8s.api.core.v1.ResourceRequirements");
  CHECK(!resources.at("description").get<std::string>().empty());
  CHECK(!container.at("description").get<std::string>().empty());
  CHECK(container.at("required") == json::array({"name"}));
  const auto& ports = container.at("properties").at("ports");
  CHECK(ports.at("type") == "array");
  CHECK(ports.at("x-kubernetes-patch-merge-key") == "containerPort");
  CHECK(ports.at("x-kubernetes-list-type") == "map");

  const auto& pod = schema_of(doc, "io.k8s.api.core.v1.Pod");
  CHECK(pod.at("x-kubernetes-group-version-kind") == json::array({{{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}}));
  CHECK(schema_of(doc, "io.k8s.api.core.v1.PodList").at("properties").at("items").at("items").at("$ref") ==
        "#/components/schemas/io.k8s.api.core.v1.Pod");

  const auto& spec = schema_of(doc, "io.k8s.api.core.v1.PodSpec").at("properties");
  CHECK(spec.at("containers").at("x-kubernetes-patch-merge-key") == "name");
  CHECK(spec.at("containers").at("x-kubernetes-patch-strategy") == "merge");
  CHECK(spec.at("containers").at("items").at("$ref") == "#/components/schemas/io.k8s.api.core.v1.Container");
  CHECK(spec.at("volumes").at("x-kubernetes-patch-strategy") == "merge,retainKeys");
  CHECK(spec.at("nodeSelector").at("additionalProperties").at("type") == "string");

  // Inline fields are flattened into the object that embeds them.
  const auto& volume = schema_of(doc, "io.k8s.api.core.v1.Volume").at("properties");
  CHECK(volume.contains("configMap"));
  CHECK(volume.contains("emptyDir"));
  CHECK(!volume.contains("volumeSource"));

  const auto& meta = schema_of(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").at("properties");
  CHECK(meta.at("creationTimestamp").at("allOf").at(0).at("$ref") ==
        "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time");
  CHECK(meta.at("finalizers").at("x-kubernetes-list-type") == "set");
  CHECK(meta.at("finalizers").at("x-kubernetes-patch-strategy") == "merge");
  CHECK(meta.at("ownerReferences").at("x-kubernetes-patch-merge-key") == "uid");

  CHECK(schema_of(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.Time").at("format") == "date-time");
  CHECK(schema_of(doc, "io.k8s.apimachinery.pkg.api.resource.Quantity").at("x-kubernetes-int-or-string") == true);
  CHECK(schema_of(doc, "io.k8s.apimachinery.pkg.util.intstr.IntOrString").at("x-kubernetes-int-or-string") == true);
  const auto& limits = schema_of(doc, "io.k8s.api.core.v1.ResourceRequirements").at("properties").at("limits");
  CHECK(limits.at("additionalProperties").at("$ref") ==
        "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity");
  const auto& service_type = schema_of(doc, "io.k8s.api.core.v1.ServiceSpec").at("properties").at("type");
  CHECK(service_type.at("enum").size() == 4);
  CHECK(service_type.at("default") == "ClusterIP");
  CHECK(schema_of(doc, "io.k8s.api.core.v1.Secret").at("properties").at("data").at("additionalProperties").at("format") ==
        "byte");
  CHECK(schema_of(doc, "io.k8s.api.core.v1.ContainerPort").at("properties").at("containerPort").at("format") == "int32");

  // Subresources that speak other kinds, and streams.
  const auto& paths = doc.at("paths");
  CHECK(paths.at("/api/v1/namespaces/{namespace}/pods/{name}/eviction").at("post").at("x-kubernetes-group-version-kind") ==
        json({{"group", "policy"}, {"version", "v1"}, {"kind", "Eviction"}}));
  CHECK(schema_of(doc, "io.k8s.api.policy.v1.Eviction").contains("x-kubernetes-group-version-kind"));
  CHECK(paths.at("/api/v1/namespaces/{namespace}/pods/{name}/exec").at("get").at("x-kubernetes-action") == "connect");
  CHECK(has_query_parameter(paths.at("/api/v1/namespaces/{namespace}/pods/{name}/exec").at("post"), "command"));
  CHECK(paths.at("/api/v1/namespaces/{namespace}/pods/{name}/log").at("get").at("responses").at("200").at("content").contains(
      "text/plain"));
  CHECK(paths.at("/api/v1/namespaces/{name}/finalize").contains("put"));
  CHECK(paths.at("/api/v1/nodes/{name}").at("patch").at("operationId") == "patchCoreV1Node");
  CHECK(paths.at("/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token").at("post").at(
            "x-kubernetes-group-version-kind") ==
        json({{"group", "authentication.k8s.io"}, {"version", "v1"}, {"kind", "TokenRequest"}}));
}

TEST_CASE("types a group renamed to avoid a clash keep upstream's name") {
  json doc = v3("discovery.k8s.io", "v1");
  CHECK(doc.at("components").at("schemas").contains("io.k8s.api.discovery.v1.EndpointPort"));
  CHECK(doc.at("components").at("schemas").contains("io.k8s.api.discovery.v1.EndpointSlice"));
  json rbac = v3("rbac.authorization.k8s.io", "v1");
  CHECK(rbac.at("paths").at("/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}").at("patch").at("operationId") ==
        "patchRbacAuthorizationV1ClusterRole");
}

TEST_CASE("every reference resolves inside its own document") {
  const auto& docs = openapi::builtin_documents();
  REQUIRE(docs.v3.size() == kinds().group_versions().size());
  for (const auto& [key, entry] : docs.v3) {
    INFO(key);
    json doc = json::parse(entry.body);
    check_refs_resolve(doc, "#/components/schemas/", doc.at("components").at("schemas"));
  }
  json v2 = json::parse(docs.v2);
  CHECK(v2.at("swagger") == "2.0");
  check_refs_resolve(v2, "#/definitions/", v2.at("definitions"));
}

TEST_CASE("the v2 document covers every group-version in Swagger 2.0 form") {
  json v2 = openapi::v2_document(schema(), kinds());
  const auto& defs = v2.at("definitions");
  // One definition per schema type, plus lists and the value types.
  CHECK(defs.size() > schema().types().size());
  for (const auto& k : kinds().all()) {
    if (std::find(k.verbs.begin(), k.verbs.end(), "patch") == k.verbs.end()) continue;  // create-only reviews
    std::string prefix = k.group.empty() ? "/api/" + k.version : "/apis/" + k.group + "/" + k.version;
    std::string collection = prefix + (k.namespaced ? "/namespaces/{namespace}/" : "/") + k.plural;
    INFO(collection);
    REQUIRE(v2.at("paths").contains(collection + "/{name}"));
    const auto& patch = v2.at("paths").at(collection + "/{name}").at("patch");
    CHECK(has_query_parameter(patch, "fieldValidation"));
    CHECK(patch.at("consumes").size() == 4);
    bool has_body = false;
    for (const auto& p : patch.at("parameters")) has_body = has_body || p.at("in") == "body";
    CHECK(has_body);
  }
  const auto& resources = defs.at("io.k8s.api.core.v1.Container").at("properties").at("resources");
  CHECK(resources.at("$ref") == "#/definitions/io.k8s.api.core.v1.ResourceRequirements");
  CHECK(!resources.at("description").get<std::string>().empty());
  CHECK(defs.at("io.k8s.api.core.v1.Pod").at("x-kubernetes-group-version-kind") ==
        json::array({{{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}}));
  CHECK(defs.at("io.k8s.apimachinery.pkg.api.resource.Quantity").at("type") == "string");
}

TEST_CASE("documents are the same bytes every time, and generating them is measured") {
  auto start = std::chrono::steady_clock::now();
  auto first = openapi::build_documents(schema(), kinds());
  auto elapsed = std::chrono::steady_clock::now() - start;
  auto second = openapi::build_documents(schema(), kinds());
  CHECK(first.v3_root == second.v3_root);
  CHECK(first.v2 == second.v2);
  REQUIRE(first.v3.size() == second.v3.size());
  size_t bytes = first.v3_root.size() + first.v2.size();
  for (const auto& [key, entry] : first.v3) {
    INFO(key);
    CHECK(entry.body == second.find_v3(key)->body);
    CHECK(entry.hash == second.find_v3(key)->hash);
    CHECK(entry.hash.size() == 128);
    bytes += entry.body.size();
  }
  std::printf("openapi: generated %zu v3 documents, the v3 root and v2 (%zu bytes) in %.1f ms\n",
              first.v3.size(), bytes,
              std::chrono::duration<double, std::milli>(elapsed).count());
}
