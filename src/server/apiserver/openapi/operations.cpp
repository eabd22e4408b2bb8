#include "server/apiserver/openapi/operations.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

#include "server/apiserver/openapi/parameters.h"

namespace mk::apiserver::openapi {

using nlohmann::json;

namespace {

enum class Body { none, object, patch, delete_options };
// What a response carries: one object, a list that can also be a watch stream, log text, or
// the raw stream of an exec/attach/port-forward session.
enum class Produces { object, list, text, stream };

struct Operation {
  std::string method;  // get, post, put, patch, delete
  std::string id;
  std::string action;
  std::string description;
  Gvk gvk;
  bool named = false;       // the path has {name}
  bool namespaced = false;  // the path has {namespace}
  std::vector<std::string_view> query;
  Body body = Body::none;
  json body_schema;  // for Body::object
  std::vector<int> codes = {200};
  json response;
  Produces produces = Produces::object;
};

using Params = std::vector<std::string_view>;
const Params kReadParams = {"pretty"};
const Params kListParams = {"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector",
                            "limit", "pretty", "resourceVersion", "resourceVersionMatch",
                            "sendInitialEvents", "timeoutSeconds", "watch"};
const Params kWriteParams = {"dryRun", "fieldManager", "fieldValidation", "pretty"};
const Params kPatchParams = {"dryRun", "fieldManager", "fieldValidation", "force", "pretty"};
const Params kDeleteParams = {"dryRun", "gracePeriodSeconds", "ignoreStoreReadErrorWithClusterBreakingPotential",
                              "orphanDependents", "pretty", "propagationPolicy"};
const Params kDeleteCollectionParams = {
    "continue", "dryRun", "fieldSelector", "gracePeriodSeconds",
    "ignoreStoreReadErrorWithClusterBreakingPotential", "labelSelector", "limit", "orphanDependents",
    "pretty", "propagationPolicy", "resourceVersion", "resourceVersionMatch", "sendInitialEvents",
    "timeoutSeconds"};
const Params kLogParams = {"container", "follow", "insecureSkipTLSVerifyBackend", "limitBytes", "pretty",
                           "previous", "sinceSeconds", "stream", "tailLines", "timestamps"};

const std::vector<std::string> kPatchTypes = {
    "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
    "application/strategic-merge-patch+json"};

Params connect_params(std::string_view subresource) {
  if (subresource == "exec") return {"command", "container", "stderr", "stdin", "stdout", "tty"};
  if (subresource == "attach") return {"container", "stderr", "stdin", "stdout", "tty"};
  if (subresource == "portforward") return {"ports"};
  return {};
}

std::string capitalized(std::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// The words of a group without the ".k8s.io" suffix: rbac.authorization.k8s.io -> rbac, authorization.
std::vector<std::string> group_words(std::string_view group) {
  std::string_view g = group;
  constexpr std::string_view suffix = ".k8s.io";
  if (g.size() > suffix.size() && g.substr(g.size() - suffix.size()) == suffix) g.remove_suffix(suffix.size());
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= g.size()) {
    size_t dot = g.find('.', start);
    if (dot == std::string_view::npos) dot = g.size();
    if (dot > start) words.emplace_back(g.substr(start, dot - start));
    start = dot + 1;
  }
  return words;
}

// "CoreV1", "AppsV1", "RbacAuthorizationV1": the group-version part of operation ids.
std::string operation_gv(std::string_view group, std::string_view version) {
  if (group.empty()) return "Core" + capitalized(version);
  std::string out;
  for (const auto& w : group_words(group)) out += capitalized(w);
  return out + capitalized(version);
}

// "core_v1", "rbacAuthorization_v1": client generators name API classes after the tag.
std::string operation_tag(std::string_view group, std::string_view version) {
  std::string out;
  if (group.empty()) {
    out = "core";
  } else {
    auto words = group_words(group);
    for (size_t i = 0; i < words.size(); ++i) out += i == 0 ? words[i] : capitalized(words[i]);
  }
  return out + "_" + std::string(version);
}

const char* status_text(int code) {
  switch (code) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    default: return "Unauthorized";
  }
}

std::vector<std::string> media_types(Produces p) {
  switch (p) {
    case Produces::object: return {"application/json"};
    case Produces::list: return {"application/json", "application/json;stream=watch"};
    case Produces::text: return {"text/plain"};
    case Produces::stream: return {"*/*"};
  }
  return {};
}

json render(const Operation& op, const std::string& tag, Definitions& defs, Dialect d) {
  json o = {{"operationId", op.id},
            {"description", op.description},
            {"tags", json::array({tag})},
            {"x-kubernetes-action", op.action},
            {"x-kubernetes-group-version-kind", gvk_json(op.gvk)}};
  // Parameters are written on each operation rather than on the path: kubectl looks for
  // fieldValidation among the PATCH operation's own parameters.
  json params = json::array();
  if (op.named) params.push_back(path_parameter("name", d));
  if (op.namespaced) params.push_back(path_parameter("namespace", d));
  for (auto q : op.query) params.push_back(query_parameter(q, d));

  std::vector<std::string> consumes;
  json body_schema;
  bool body_required = true;
  switch (op.body) {
    case Body::none: break;
    case Body::object:
      consumes = {"*/*"};
      body_schema = op.body_schema;
      break;
    case Body::patch:
      consumes = kPatchTypes;
      body_schema = defs.ref_patch();
      break;
    case Body::delete_options:
      consumes = {"*/*"};
      body_schema = defs.ref_meta("DeleteOptions");
      body_required = false;
      break;
  }

  auto produces = media_types(op.produces);
  json responses = json::object();
  for (int code : op.codes) {
    json r = {{"description", status_text(code)}};
    if (d == Dialect::openapi3) {
      json content = json::object();
      for (const auto& mt : produces) content[mt] = {{"schema", op.response}};
      r["content"] = std::move(content);
    } else {
      r["schema"] = op.response;
    }
    responses[std::to_string(code)] = std::move(r);
  }
  responses["401"] = {{"description", status_text(401)}};

  if (d == Dialect::openapi3) {
    if (op.body != Body::none) {
      json content = json::object();
      for (const auto& mt : consumes) content[mt] = {{"schema", body_schema}};
      o["requestBody"] = {{"content", std::move(content)}, {"required", body_required}};
    }
  } else {
    if (op.body != Body::none)
      params.push_back({{"name", "body"}, {"in", "body"}, {"required", body_required}, {"schema", body_schema}});
    if (!consumes.empty()) o["consumes"] = consumes;
    o["produces"] = produces;
    o["schemes"] = json::array({"https"});
  }
  o["parameters"] = std::move(params);
  o["responses"] = std::move(responses);
  return o;
}

Operation make(std::string method, std::string id, std::string action, std::string description, Gvk gvk) {
  Operation op;
  op.method = std::move(method);
  op.id = std::move(id);
  op.action = std::move(action);
  op.description = std::move(description);
  op.gvk = std::move(gvk);
  return op;
}

}  // namespace

std::string group_version_path(std::string_view group, std::string_view version) {
  if (group.empty()) return "/api/" + std::string(version);
  return "/apis/" + std::string(group) + "/" + std::string(version);
}

void add_kind_paths(json& paths, const api::KindInfo& k, const TypeCatalog& catalog, Definitions& defs,
                    Dialect d) {
  if (!k.type) return;
  const std::string gv_path = group_version_path(k.group, k.version);
  const std::string collection = gv_path + (k.namespaced ? "/namespaces/{namespace}/" : "/") + k.plural;
  const std::string item = collection + "/{name}";
  const std::string gv = operation_gv(k.group, k.version);
  const std::string scope = k.namespaced ? "Namespaced" : "";
  const std::string tag = operation_tag(k.group, k.version);
  const Gvk gvk{k.group, k.version, k.kind};
  const json self = defs.ref(*k.type);
  auto has = [&](std::string_view verb) {
    return std::find(k.verbs.begin(), k.verbs.end(), verb) != k.verbs.end();
  };
  auto add = [&](const std::string& path, const Operation& op) {
    paths[path][op.method] = render(op, tag, defs, d);
  };

  if (has("list")) {
    auto op = make("get", "list" + gv + scope + k.kind, "list", "List or watch " + k.plural + ".", gvk);
    op.namespaced = k.namespaced;
    op.query = kListParams;
    op.response = defs.ref_list(k);
    op.produces = Produces::list;
    add(collection, op);
    if (k.namespaced) {
      op.id = "list" + gv + k.kind + "ForAllNamespaces";
      op.description = "List or watch " + k.plural + " in all namespaces.";
      op.namespaced = false;
      add(gv_path + "/" + k.plural, op);
    }
  }
  if (has("create")) {
    auto op = make("post", "create" + gv + scope + k.kind, "post", "Create a " + k.kind + ".", gvk);
    op.namespaced = k.namespaced;
    op.query = kWriteParams;
    op.body = Body::object;
    op.body_schema = self;
    op.codes = {200, 201, 202};
    op.response = self;
    add(collection, op);
  }
  if (has("deletecollection")) {
    auto op = make("delete", "delete" + gv + "Collection" + scope + k.kind, "deletecollection",
                   "Delete a collection of " + k.plural + ".", gvk);
    op.namespaced = k.namespaced;
    op.query = kDeleteCollectionParams;
    op.body = Body::delete_options;
    op.response = defs.ref_meta("Status");
    add(collection, op);
  }
  if (has("get")) {
    auto op = make("get", "read" + gv + scope + k.kind, "get", "Read the named " + k.kind + ".", gvk);
    op.named = true;
    op.namespaced = k.namespaced;
    op.query = kReadParams;
    op.response = self;
    add(item, op);
  }
  if (has("update")) {
    auto op = make("put", "replace" + gv + scope + k.kind, "put", "Replace the named " + k.kind + ".", gvk);
    op.named = true;
    op.namespaced = k.namespaced;
    op.query = kWriteParams;
    op.body = Body::object;
    op.body_schema = self;
    op.codes = {200, 201};
    op.response = self;
    add(item, op);
  }
  if (has("patch")) {
    auto op = make("patch", "patch" + gv + scope + k.kind, "patch", "Partially update the named " + k.kind + ".", gvk);
    op.named = true;
    op.namespaced = k.namespaced;
    op.query = kPatchParams;
    op.body = Body::patch;
    op.codes = {200, 201};
    op.response = self;
    add(item, op);
  }
  if (has("delete")) {
    auto op = make("delete", "delete" + gv + scope + k.kind, "delete", "Delete the named " + k.kind + ".", gvk);
    op.named = true;
    op.namespaced = k.namespaced;
    op.query = kDeleteParams;
    op.body = Body::delete_options;
    op.codes = {200, 202};
    op.response = self;  // the server answers with the object as deletion left it
    add(item, op);
  }

  for (const auto& sub : k.subresources) {
    const std::string path = item + "/" + sub.name;
    const std::string& group = sub.version.empty() ? k.group : sub.group;
    const std::string& version = sub.version.empty() ? k.version : sub.version;
    const Gvk sub_gvk{group, version, sub.kind.empty() ? k.kind : sub.kind};
    const std::string base = gv + scope + k.kind + capitalized(sub.name);
    auto start = [&](std::string method, std::string id, std::string action, std::string description) {
      auto op = make(std::move(method), std::move(id), std::move(action), std::move(description), sub_gvk);
      op.named = true;
      op.namespaced = k.namespaced;
      return op;
    };

    // The log is plain text, not an object, even though it speaks for the pod.
    if (sub.name == "log") {
      auto op = start("get", "read" + base, "get", "Read the log of a container of the named " + k.kind + ".");
      op.query = kLogParams;
      op.response = {{"type", "string"}};
      op.produces = Produces::text;
      add(path, op);
      continue;
    }
    const auto* sub_type = catalog.find_kind(group, version, sub_gvk.kind);
    // Options kinds with no schema (PodExecOptions, ...) travel in the query of a connection
    // that turns into a stream.
    if (!sub_type) {
      for (const auto& verb : sub.verbs) {
        bool post = verb == "create";
        auto op = start(post ? "post" : "get", "connect" + gv + (post ? "Post" : "Get") + scope + k.kind +
                                                   capitalized(sub.name),
                        "connect", "Connect to " + sub.name + " of the named " + k.kind + ".");
        op.query = connect_params(sub.name);
        op.response = {{"type", "string"}};
        op.produces = Produces::stream;
        add(path, op);
      }
      continue;
    }
    const json sub_ref = defs.ref(*sub_type);
    for (const auto& verb : sub.verbs) {
      Operation op;
      if (verb == "get") {
        op = start("get", "read" + base, "get", "Read " + sub.name + " of the named " + k.kind + ".");
        op.query = kReadParams;
      } else if (verb == "update") {
        op = start("put", "replace" + base, "put", "Replace " + sub.name + " of the named " + k.kind + ".");
        op.query = kWriteParams;
        op.body = Body::object;
        op.body_schema = sub_ref;
        op.codes = {200, 201};
      } else if (verb == "patch") {
        op = start("patch", "patch" + base, "patch",
                   "Partially update " + sub.name + " of the named " + k.kind + ".");
        op.query = kPatchParams;
        op.body = Body::patch;
        op.codes = {200, 201};
      } else if (verb == "create") {
        op = start("post", "create" + base, "post", "Create " + sub.name + " for the named " + k.kind + ".");
        op.query = kWriteParams;
        op.body = Body::object;
        op.body_schema = sub_ref;
        op.codes = {200, 201, 202};
      } else {
        continue;
      }
      op.response = sub_ref;
      add(path, op);
    }
  }
}

}  // namespace mk::apiserver::openapi
