// The HTTP side of resource requests: decode the request, call the registry on a worker
// thread, encode the answer (JSON, or a Table when kubectl asks for one).
#include <nlohmann/json.hpp>

#include "api/json_path.h"
#include "common/log.h"
#include "api/yaml_json.h"
#include "server/apiserver/merge/conflict.h"
#include "server/apiserver/merge/server_side_apply.h"
#include "server/apiserver/patch.h"
#include "server/apiserver/server_impl.h"
#include "server/apiserver/subresources/kubelet_proxy.h"
#include "server/apiserver/subresources/request_body.h"
#include "server/apiserver/subresources/subresource_dispatch.h"
#include "server/apiserver/table.h"

namespace mk::apiserver {

using nlohmann::json;

namespace {

std::string param(const Query& q, std::string_view key) {
  auto it = q.find(key);
  return it == q.end() ? std::string() : it->second;
}

std::optional<int64_t> int_param(const Query& q, std::string_view key, std::optional<api::ApiError>& err) {
  std::string v = param(q, key);
  if (v.empty()) return std::nullopt;
  try {
    size_t used = 0;
    int64_t n = std::stoll(v, &used);
    if (used == v.size()) return n;
  } catch (...) {
  }
  err = api::bad_request(std::string(key) + ": Invalid value: \"" + v + "\": must be an integer");
  return std::nullopt;
}

// The options object a verb's query decodes into; upstream validates it as such (422 Invalid).
std::string options_kind(const std::string& verb) {
  if (verb == "update") return "UpdateOptions";
  if (verb == "patch") return "PatchOptions";
  if (verb == "delete" || verb == "deletecollection") return "DeleteOptions";
  return "CreateOptions";
}

api::ApiError invalid_options(const std::string& verb, const std::string& field, const std::string& value,
                              const std::string& supported) {
  return api::invalid(options_kind(verb), "meta.k8s.io", "",
                      {{"FieldValueNotSupported",
                        field + ": Unsupported value: \"" + value + "\": supported values: " + supported, field}});
}

ApiResult<WriteOptions> write_options(const Query& q, const User& user, const std::string& verb) {
  WriteOptions o;
  std::string dry = param(q, "dryRun");
  if (!dry.empty() && dry != "All") return invalid_options(verb, "dryRun", dry, "\"All\"");
  o.dry_run = dry == "All";
  std::string fv = param(q, "fieldValidation");
  if (!fv.empty()) {
    if (fv != "Ignore" && fv != "Warn" && fv != "Strict")
      return invalid_options(verb, "fieldValidation", fv, "\"Ignore\", \"Strict\", \"Warn\"");
    o.field_validation = fv;
  } else {
    o.field_validation = "Warn";  // upstream's default when the client does not ask
  }
  o.field_manager = param(q, "fieldManager");
  o.user = user;
  return o;
}

// Upstream's default field manager: the client's program name from its User-Agent.
std::string default_manager(const http::Request& req) {
  std::string ua = req.header("User-Agent");
  std::string name = ua.substr(0, ua.find('/'));
  return name.empty() ? "unknown" : name;
}

ApiResult<DeleteOptions> delete_options(const http::Request& req, const Query& q) {
  DeleteOptions o;
  json body = json::object();
  if (!req.body.empty()) {
    body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return api::bad_request("the body of the request is not a valid DeleteOptions");
  }
  if (auto v = body.find("propagationPolicy"); v != body.end() && v->is_string()) o.propagation_policy = v->get<std::string>();
  if (auto v = body.find("gracePeriodSeconds"); v != body.end() && v->is_number_integer()) o.grace_period_seconds = v->get<int64_t>();
  if (auto v = body.find("orphanDependents"); v != body.end() && v->is_boolean())
    o.propagation_policy = v->get<bool>() ? "Orphan" : "Background";
  if (auto pre = body.find("preconditions"); pre != body.end() && pre->is_object()) {
    if (pre->contains("uid") && (*pre)["uid"].is_string()) o.precondition_uid = (*pre)["uid"].get<std::string>();
    if (pre->contains("resourceVersion") && (*pre)["resourceVersion"].is_string())
      o.precondition_resource_version = (*pre)["resourceVersion"].get<std::string>();
  }
  if (auto v = body.find("dryRun"); v != body.end() && v->is_array()) {
    for (const auto& d : *v) {
      if (d != "All") return invalid_options("delete", "dryRun", d.is_string() ? d.get<std::string>() : d.dump(), "\"All\"");
      o.dry_run = true;
    }
  }
  if (std::string p = param(q, "propagationPolicy"); !p.empty()) o.propagation_policy = p;
  std::optional<api::ApiError> err;
  if (auto g = int_param(q, "gracePeriodSeconds", err)) o.grace_period_seconds = *g;
  if (err) return *err;
  if (param(q, "dryRun") == "All") o.dry_run = true;
  if (o.propagation_policy && *o.propagation_policy != "Background" && *o.propagation_policy != "Foreground" &&
      *o.propagation_policy != "Orphan") {
    return api::bad_request("propagationPolicy: Unsupported value: \"" + *o.propagation_policy +
                            "\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
  }
  return o;
}

ApiResult<ListParams> list_params(const Query& q) {
  ListParams p;
  p.label_selector = param(q, "labelSelector");
  p.field_selector = param(q, "fieldSelector");
  p.continue_token = param(q, "continue");
  p.resource_version = param(q, "resourceVersion");
  p.resource_version_match = param(q, "resourceVersionMatch");
  std::optional<api::ApiError> err;
  if (auto l = int_param(q, "limit", err)) p.limit = std::max<int64_t>(0, *l);
  if (err) return *err;
  return p;
}

ApiResult<IncludeObject> include_object(const Query& q) {
  std::string v = param(q, "includeObject");
  if (v.empty() || v == "Metadata") return IncludeObject::metadata;
  if (v == "Object") return IncludeObject::object;
  if (v == "None") return IncludeObject::none;
  return api::bad_request("includeObject: Unsupported value: \"" + v + "\": supported values: \"Metadata\", \"None\", \"Object\"");
}

}  // namespace

void ApiServer::Impl::handle_resource(const http::Request& req, const RequestInfo& info, const Query& query,
                                      const User& user, Writer w) {
  const api::KindInfo* kind = ctx->kinds.by_resource(info.group, info.version, info.resource);
  if (!kind) return respond_error(w, api::no_such_path());
  if (!kind->namespaced && !info.namespace_.empty()) return respond_error(w, api::no_such_path());
  if (kind->namespaced && info.namespace_.empty() && !info.name.empty()) return respond_error(w, api::no_such_path());
  if (kind->namespaced && info.namespace_.empty() && info.verb == "create")
    return respond_error(w, api::method_not_allowed("the server does not allow this method on the requested resource"));

  const std::string& sub = info.subresource;
  if (!sub.empty()) {
    const api::Subresource* s = kind->subresource(sub);
    if (!s) return respond_error(w, api::no_such_path());
    if (sub == "finalize" && kind->kind != "Namespace") return respond_error(w, api::no_such_path());
    if (sub == "status" && info.verb != "get" && info.verb != "update" && info.verb != "patch")
      return respond_error(w, api::method_not_allowed("the server does not allow this method on the requested resource"));
  }

  std::string accept = req.header("Accept");
  bool table = wants_table(accept);
  auto include = include_object(query);
  if (!include) return respond_error(w, include.error());

  // Blocking work (store reads and group-committed writes) runs on the worker pool.
  auto request = std::make_shared<http::Request>(req);
  auto info_copy = std::make_shared<RequestInfo>(info);
  IncludeObject inc = *include;
  workers->post([this, kind, request, info_copy, query, user, w, table, inc] {
    RequestScope scope(metrics, info_copy->verb, info_copy->resource);
    // A defect must cost one request a 500, never the server.
    try {
      serve_resource(*kind, *request, *info_copy, query, user, w, table, inc);
    } catch (const std::exception& e) {
      MK_LOG(error) << "apiserver: " << request->method << " " << request->path << ": " << e.what();
      respond_error(w, api::internal_error(e.what()));
    }
  });
}

void ApiServer::Impl::serve_resource(const api::KindInfo& kind_ref, const http::Request& req, const RequestInfo& info,
                                     const Query& query, const User& user, Writer w, bool table, IncludeObject inc) {
  const api::KindInfo* kind = &kind_ref;
  {
    const std::string& ns = info.namespace_;
    const std::string& name = info.name;
    const std::string& verb = info.verb;

    if (kind->kind == "Pod" && is_pod_stream(info.subresource)) {
      // log, exec, attach, portforward: proxied to the pod's kubelet (subresources/kubelet_proxy.h).
      return proxy_pod_stream(*registry, {options.kubelet_ca_pem, options.kubelet_client_cert_pem,
                                          options.kubelet_client_key_pem},
                              info, req, w);
    }
    if (is_special_subresource(info.subresource)) {
      // scale, binding, eviction, token and the pod streams (subresources/).
      auto wo = write_options(query, user, verb);
      if (!wo) return respond_error(w, wo.error());
      if (wo->field_manager.empty()) wo->field_manager = default_manager(req);
      std::vector<std::string> warnings;
      wo->warnings = &warnings;
      auto reply = serve_subresource(*registry, {*kind, info, req, *wo, authn->service_account_tokens()});
      if (!reply) return respond_error(w, reply.error());
      return respond_json(w, reply->code, reply->body, warnings);
    }
    if (verb == "get") {
      auto obj = registry->get(*kind, ns, name);
      if (!obj) return respond_error(w, obj.error());
      if (table) {
        json meta = {{"resourceVersion", api::string_at(*obj, "metadata.resourceVersion")}};
        return respond_json(w, 200, to_table(*kind, json::array({*obj}), meta, inc));
      }
      return respond_json(w, 200, *obj);
    }
    if (verb == "list") {
      auto params = list_params(query);
      if (!params) return respond_error(w, params.error());
      auto list = registry->list(*kind, ns, *params);
      if (!list) return respond_error(w, list.error());
      if (table) return respond_json(w, 200, to_table(*kind, (*list)["items"], (*list)["metadata"], inc));
      return respond_json(w, 200, *list);
    }
    if (verb == "watch") {
      WatchParams p;
      p.resource_version = param(query, "resourceVersion");
      p.resource_version_match = param(query, "resourceVersionMatch");
      p.label_selector = param(query, "labelSelector");
      p.field_selector = param(query, "fieldSelector");
      if (!name.empty()) {
        // A watch on one object: GET .../pods/<name>?watch=true
        p.field_selector = p.field_selector.empty() ? "metadata.name=" + name : p.field_selector + ",metadata.name=" + name;
      }
      std::optional<api::ApiError> err;
      if (auto t = int_param(query, "timeoutSeconds", err)) p.timeout_seconds = *t;
      if (err) return respond_error(w, *err);
      p.allow_bookmarks = parse_bool(param(query, "allowWatchBookmarks")).value_or(false);
      if (auto s = param(query, "sendInitialEvents"); !s.empty()) {
        p.send_initial_events_set = true;
        p.send_initial_events = parse_bool(s).value_or(false);
      }
      p.table = table;
      watches->serve(*kind, ns, p, w);
      return;
    }

    std::vector<std::string> warnings;
    auto wo = write_options(query, user, verb);
    if (!wo) return respond_error(w, wo.error());
    wo->warnings = &warnings;
    bool explicit_manager = !wo->field_manager.empty();
    if (!explicit_manager) wo->field_manager = default_manager(req);

    if (verb == "create") {
      auto body = decode_request_body(req);
      if (!body) return respond_error(w, body.error());
      auto created = registry->create(*kind, ns, std::move(*body), *wo);
      if (!created) return respond_error(w, created.error());
      return respond_json(w, 201, *created, warnings);
    }
    if (verb == "update") {
      auto body = decode_request_body(req);
      if (!body) return respond_error(w, body.error());
      std::string target_sub = info.subresource;
      if (target_sub == "finalize") {
        // Only spec.finalizers may change through /finalize.
        json incoming = std::move(*body);
        auto updated = registry->modify(*kind, ns, name, "",
                                        [&](const json& cur) -> ApiResult<json> {
                                          json next = cur;
                                          next["spec"]["finalizers"] = incoming.contains("spec") && incoming["spec"].contains("finalizers")
                                                                           ? incoming["spec"]["finalizers"]
                                                                           : json::array();
                                          return next;
                                        },
                                        *wo);
        if (!updated) return respond_error(w, updated.error());
        return respond_json(w, 200, *updated, warnings);
      }
      auto updated = registry->update(*kind, ns, name, target_sub, std::move(*body), *wo);
      if (!updated) return respond_error(w, updated.error());
      return respond_json(w, 200, *updated, warnings);
    }
    if (verb == "patch" && patch_type_of(req.header("Content-Type")) == PatchType::apply) {
      if (!explicit_manager) {
        return respond_error(w, api::invalid("PatchOptions", "meta.k8s.io", "",
                                             {{"FieldValueRequired", "fieldManager: Required value: is required for apply patch", "fieldManager"}}));
      }
      if (!kind->type) return respond_error(w, api::unsupported_media_type("apply is not supported for " + kind->plural));
      auto applied = api::yaml_to_json(req.body);
      if (!applied || !applied->is_object()) return respond_error(w, api::bad_request("error decoding YAML: the apply body is not an object"));
      if (std::string n = api::string_at(*applied, "metadata.name"); !n.empty() && n != name)
        return respond_error(w, api::bad_request("the name of the object (" + n + ") does not match the name on the URL (" + name + ")"));
      (*applied)["metadata"]["name"] = name;
      if (kind->has_status && info.subresource.empty()) applied->erase("status");
      bool force = parse_bool(param(query, "force")).value_or(false);
      wo->managed_fields_done = true;
      auto apply_to = [&](const json* live) -> ApiResult<json> {
        auto r = server_side_apply(*kind->type, live, *applied, wo->field_manager, force, kind->api_version(),
                                   now_rfc3339(), info.subresource);
        if (!r) return api::bad_request(r.error().message);
        if (!r->conflicts.empty()) {
          api::ApiError e{409, "Conflict", conflict_message(r->conflicts), name, kind->group, kind->plural, {}, 0};
          for (const auto& c : r->conflicts) e.causes.push_back({"FieldManagerConflict", conflict_cause_message(c), c.path});
          return e;
        }
        return std::move(r->object);
      };
      auto live = registry->get(*kind, ns, name);
      if (!live && live.error().code != 404) return respond_error(w, live.error());
      if (!live) {
        if (!info.subresource.empty()) return respond_error(w, live.error());
        auto obj = apply_to(nullptr);
        if (!obj) return respond_error(w, obj.error());
        auto created = registry->create(*kind, ns, std::move(*obj), *wo);
        if (!created) return respond_error(w, created.error());
        return respond_json(w, 201, *created, warnings);
      }
      auto patched = registry->modify(*kind, ns, name, info.subresource,
                                      [&](const json& cur) { return apply_to(&cur); }, *wo);
      if (!patched) return respond_error(w, patched.error());
      return respond_json(w, 200, *patched, warnings);
    }
    if (verb == "patch") {
      PatchType type = patch_type_of(req.header("Content-Type"));
      if (type == PatchType::unknown) {
        return respond_error(w, api::unsupported_media_type("the body of the request was in an unknown format - accepted media types include: "
                                                            "application/json-patch+json, application/merge-patch+json, "
                                                            "application/apply-patch+yaml, application/strategic-merge-patch+json"));
      }
      auto patched = registry->modify(*kind, ns, name, info.subresource,
                                      [&](const json& cur) { return apply_patch(*kind, type, cur, req.body); }, *wo);
      if (!patched) return respond_error(w, patched.error());
      return respond_json(w, 200, *patched, warnings);
    }
    if (verb == "delete") {
      auto opts = delete_options(req, query);
      if (!opts) return respond_error(w, opts.error());
      auto deleted = registry->remove(*kind, ns, name, *opts);
      if (!deleted) return respond_error(w, deleted.error());
      int code = !deleted->gone && opts->propagation_policy.value_or("") == "Foreground" ? 202 : 200;
      return respond_json(w, code, deleted->object);
    }
    if (verb == "deletecollection") {
      auto opts = delete_options(req, query);
      if (!opts) return respond_error(w, opts.error());
      auto params = list_params(query);
      if (!params) return respond_error(w, params.error());
      auto result = registry->delete_collection(*kind, ns, *params, *opts);
      if (!result) return respond_error(w, result.error());
      return respond_json(w, 200, *result);
    }
    respond_error(w, api::method_not_allowed("the server does not allow this method on the requested resource"));
  }
}

}  // namespace mk::apiserver
