#include "server/apiserver/registry.h"

#include <openssl/rand.h>

#include <chrono>
#include <ctime>

#include "api/field_selector.h"
#include "api/json_path.h"
#include "api/label_selector.h"
#include "api/schema/schema.h"
#include "api/validation.h"
#include "server/apiserver/merge/server_side_apply.h"
#include "server/apiserver/schema_admission.h"

namespace mk::apiserver {

using nlohmann::json;

std::string now_rfc3339() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string new_uid() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

namespace {

// generateName suffixes, as upstream: 5 characters from an alphabet without vowels.
std::string random_suffix() {
  static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  unsigned char b[5];
  RAND_bytes(b, sizeof b);
  std::string s;
  for (unsigned char c : b) s += alphabet[c % (sizeof alphabet - 1)];
  return s;
}

json& meta_of(json& obj) {
  auto& m = obj["metadata"];
  if (!m.is_object()) m = json::object();
  return m;
}

std::vector<std::string> string_list(const json& obj, std::string_view path) {
  std::vector<std::string> out;
  const json* v = api::find_path(obj, path);
  if (v && v->is_array())
    for (const auto& e : *v)
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

api::ApiError kind_mismatch(const api::KindInfo& kind, const json& body) {
  std::string got_kind = body.value("kind", "");
  std::string got_version = body.value("apiVersion", "");
  return api::bad_request(got_kind + " in version \"" + got_version + "\" cannot be handled as a " +
                          kind.kind + ": the object's kind or apiVersion does not match the request (expected " +
                          kind.kind + " in " + kind.api_version() + ")");
}

std::optional<api::ApiError> check_type_meta(const api::KindInfo& kind, const json& body) {
  if (!body.is_object()) return api::bad_request("the body of the request must be a JSON object");
  auto k = body.find("kind");
  auto v = body.find("apiVersion");
  if (k != body.end() && !(k->is_string() && (k->get<std::string>() == kind.kind || k->get<std::string>().empty())))
    return kind_mismatch(kind, body);
  if (v != body.end() && !(v->is_string() && (v->get<std::string>() == kind.api_version() || v->get<std::string>().empty())))
    return kind_mismatch(kind, body);
  if (auto m = body.find("metadata"); m != body.end() && !m->is_object() && !m->is_null())
    return api::bad_request("metadata must be an object");
  return std::nullopt;
}

std::vector<api::StatusCause> to_causes(const api::FieldErrors& errors) {
  std::vector<api::StatusCause> out;
  for (const auto& e : errors) out.push_back({e.type, api::to_string(e), e.field});
  return out;
}

api::NameRule name_rule(const api::KindInfo& kind) {
  if (kind.kind == "Namespace") return api::NameRule::dns1123_label;
  if (kind.kind == "Service") return api::NameRule::dns1035_label;
  if (kind.group == "rbac.authorization.k8s.io") return api::NameRule::path_segment;
  return api::NameRule::dns1123_subdomain;
}

// Records which fields the writer (its fieldManager) set, as upstream does on every write.
std::optional<api::ApiError> record_managed_fields(const api::KindInfo& kind, const json* old, json& obj,
                                                   const WriteOptions& opts, const std::string& subresource) {
  if (opts.managed_fields_done || opts.field_manager.empty() || !kind.type) return std::nullopt;
  auto updated = update_managed_fields(*kind.type, old, obj, opts.field_manager, kind.api_version(), now_rfc3339(),
                                       subresource);
  if (!updated) return api::internal_error("managed fields: " + updated.error().message);
  obj = std::move(*updated);
  return std::nullopt;
}

}  // namespace

std::optional<api::ApiError> Registry::check_namespace(const api::KindInfo& kind, const std::string& ns,
                                                       bool for_create) {
  if (!kind.namespaced) return std::nullopt;
  const api::KindInfo* ns_kind = ctx_.kinds.by_kind("", "v1", "Namespace");
  auto obj = ctx_.objects.get(*ns_kind, "", ns);
  if (!obj) return api::not_found("namespaces", "", "namespaces", ns);
  if (for_create && api::find_path(*obj, "metadata.deletionTimestamp")) {
    api::ApiError e = api::forbidden(kind.qualified_resource() + " is forbidden: unable to create new content in namespace " +
                                     ns + " because it is being terminated");
    e.reason = "Forbidden";
    return e;
  }
  return std::nullopt;
}

// A null member decodes to Go's zero value, which the API then omits: `"creationTimestamp": null`
// in a template kubectl sends is stored as no creationTimestamp at all.
static void drop_null_members(json& v) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end();) {
      if (it->is_null()) {
        it = v.erase(it);
      } else {
        drop_null_members(*it);
        ++it;
      }
    }
  } else if (v.is_array()) {
    for (auto& x : v) drop_null_members(x);
  }
}

std::optional<api::ApiError> Registry::admit(json& obj, const AdmissionRequest& req, const WriteOptions& opts) {
  const api::KindInfo& kind = req.kind;
  drop_null_members(obj);
  const KindStrategy* strategy = ctx_.strategy ? ctx_.strategy(kind) : nullptr;
  if (kind.type) {
    auto check = check_against_schema(*kind.type, obj);
    if (!check.unknown_fields.empty()) {
      if (opts.field_validation == "Strict") {
        std::string msg = kind.kind + " in version \"" + kind.version + "\" cannot be handled as a " + kind.kind +
                          ": strict decoding error: ";
        for (size_t i = 0; i < check.unknown_fields.size(); ++i) {
          if (i) msg += ", ";
          msg += "unknown field \"" + check.unknown_fields[i].substr(1) + "\"";
        }
        return api::bad_request(msg);
      }
      if (opts.field_validation == "Warn" && opts.warnings) {
        for (const auto& f : check.unknown_fields) opts.warnings->push_back("unknown field \"" + f.substr(1) + "\"");
      }
      drop_unknown_fields(*kind.type, obj);
    }
    if (!check.invalid.empty()) {
      return api::invalid(kind.kind, kind.group, api::string_at(obj, "metadata.name"), std::move(check.invalid));
    }
    apply_schema_defaults(*kind.type, obj);
  }
  if (strategy && strategy->defaults) strategy->defaults(obj, req);
  // Go's ObjectMeta omits empty maps and lists, so `-o yaml` after removing the last label
  // shows no `labels: {}`; store what upstream would serve.
  if (json& meta = obj["metadata"]; meta.is_object()) {
    for (const char* f : {"labels", "annotations", "finalizers", "ownerReferences"}) {
      auto it = meta.find(f);
      if (it != meta.end() && (it->is_null() || it->empty())) meta.erase(it);
    }
  }

  api::ObjectMetaRules rules;
  rules.namespaced = kind.namespaced;
  rules.name_rule = name_rule(kind);
  auto causes = to_causes(api::validate_object_meta(obj["metadata"], rules));
  if (strategy && strategy->validate) {
    auto more = strategy->validate(obj, req);
    causes.insert(causes.end(), more.begin(), more.end());
  }
  if (!causes.empty()) return api::invalid(kind.kind, kind.group, api::string_at(obj, "metadata.name"), std::move(causes));
  return std::nullopt;
}

ApiResult<json> Registry::get(const api::KindInfo& kind, const std::string& ns, const std::string& name) {
  auto obj = ctx_.objects.get(kind, ns, name);
  if (!obj) return obj.error();
  (*obj)["kind"] = kind.kind;
  (*obj)["apiVersion"] = kind.api_version();
  return obj;
}

ApiResult<Registry::Filter> Registry::make_filter(const api::KindInfo& kind, const std::string& ns,
                                                  const std::string& label_selector,
                                                  const std::string& field_selector) {
  auto labels = api::LabelSelector::parse(label_selector);
  if (!labels) return api::bad_request(labels.error().message);
  auto fields = api::FieldSelector::parse(field_selector);
  if (!fields) return api::bad_request(fields.error().message);
  std::vector<std::pair<std::string, std::string>> paths = {{"metadata.name", "metadata.name"},
                                                            {"metadata.namespace", "metadata.namespace"}};
  for (const auto& fs : kind.field_selectors) paths.push_back(fs);
  for (const auto& f : fields->fields()) {
    bool known = false;
    for (const auto& p : paths) known |= (p.first == f);
    if (!known) return api::bad_request("field label not supported: " + f);
  }
  auto label_sel = std::make_shared<api::LabelSelector>(std::move(*labels));
  auto field_sel = std::make_shared<api::FieldSelector>(std::move(*fields));
  bool all_ns = ns.empty() || !kind.namespaced;
  Filter filter = [label_sel, field_sel, paths, all_ns, ns](const json& obj) {
    if (!all_ns && api::string_at(obj, "metadata.namespace") != ns) return false;
    if (!label_sel->empty()) {
      const json* l = api::find_path(obj, "metadata.labels");
      static const json empty = json::object();
      if (!label_sel->matches(l && l->is_object() ? *l : empty)) return false;
    }
    if (!field_sel->empty()) {
      return field_sel->matches([&](std::string_view field) -> std::optional<std::string> {
        for (const auto& p : paths)
          if (p.first == field) return api::string_at(obj, p.second);
        return std::nullopt;
      });
    }
    return true;
  };
  return filter;
}

ApiResult<json> Registry::list(const api::KindInfo& kind, const std::string& ns, const ListParams& params) {
  ListOptions opts;
  opts.limit = params.limit;
  opts.continue_token = params.continue_token;
  if (!params.resource_version_match.empty()) {
    if (params.resource_version.empty())
      return api::bad_request("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
    if (!params.continue_token.empty())
      return api::bad_request("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided");
    if (params.resource_version_match != "Exact" && params.resource_version_match != "NotOlderThan")
      return api::bad_request("resourceVersionMatch: Unsupported value: \"" + params.resource_version_match +
                              "\": supported values: \"Exact\", \"NotOlderThan\"");
  }
  int64_t rv = 0;
  if (!params.resource_version.empty()) {
    try {
      size_t used = 0;
      rv = std::stoll(params.resource_version, &used);
      if (used != params.resource_version.size() || rv < 0) throw std::invalid_argument("rv");
    } catch (...) {
      return api::bad_request("resourceVersion: Invalid value: \"" + params.resource_version + "\": must be an integer");
    }
    if (params.resource_version_match == "Exact") {
      if (rv == 0) return api::bad_request("resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
      opts.revision = rv;
    }
    int64_t current = ctx_.objects.kv().current_revision();
    if (rv > current) {
      api::ApiError e{504, "Timeout", "Too large resource version: " + std::to_string(rv) + ", current: " + std::to_string(current),
                      {}, {}, {}, {}, 1};
      return e;
    }
  }
  auto filter = make_filter(kind, ns, params.label_selector, params.field_selector);
  if (!filter) return filter.error();
  auto page = ctx_.objects.list(kind, ns, opts, *filter);
  if (!page) {
    if (page.error().code == 410 && opts.revision > 0 && params.continue_token.empty()) {
      return api::gone("too old resource version: " + std::to_string(opts.revision));
    }
    return page.error();
  }
  json items = json::array();
  for (auto& item : page->items) {
    item["kind"] = kind.kind;
    item["apiVersion"] = kind.api_version();
    items.push_back(std::move(item));
  }
  json meta = {{"resourceVersion", std::to_string(page->revision)}};
  if (!page->continue_token.empty()) {
    meta["continue"] = page->continue_token;
    if (page->remaining > 0) meta["remainingItemCount"] = page->remaining;
  }
  return json{{"kind", kind.list_kind()}, {"apiVersion", kind.api_version()}, {"metadata", meta}, {"items", std::move(items)}};
}

ApiResult<json> Registry::create(const api::KindInfo& kind, const std::string& ns, json body, const WriteOptions& opts) {
  if (auto e = check_type_meta(kind, body)) return *e;
  json& meta = meta_of(body);
  std::string body_ns = meta.value("namespace", "");
  if (kind.namespaced) {
    if (!body_ns.empty() && body_ns != ns)
      return api::bad_request("the namespace of the provided object does not match the namespace sent on the request");
    meta["namespace"] = ns;
    if (auto e = check_namespace(kind, ns, true)) return *e;
  } else {
    meta.erase("namespace");
  }
  std::string generate = meta.value("generateName", "");
  if (meta.value("name", "").empty() && generate.empty()) {
    return api::invalid(kind.kind, kind.group, "",
                        {{"FieldValueRequired", "metadata.name: Required value: name or generateName is required", "metadata.name"}});
  }
  // Server-owned metadata.
  meta["uid"] = new_uid();
  meta["creationTimestamp"] = now_rfc3339();
  meta.erase("resourceVersion");
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("selfLink");
  if (kind.spec_generation) meta["generation"] = 1;
  else meta.erase("generation");
  body["kind"] = kind.kind;
  body["apiVersion"] = kind.api_version();
  const KindStrategy* strategy = ctx_.strategy ? ctx_.strategy(kind) : nullptr;
  if (kind.has_status) {
    body["status"] = strategy && strategy->initial_status ? strategy->initial_status(body) : json::object();
    if (body["status"].empty()) body.erase("status");
  }

  AdmissionRequest req{kind, "create", "", nullptr, opts.dry_run, opts.user, &ctx_};
  if (auto e = admit(body, req, opts)) return *e;
  if (auto e = record_managed_fields(kind, nullptr, body, opts, "")) return *e;

  // `meta` may no longer refer into `body` (admission can replace the object): read afresh.
  const std::string requested_name = api::string_at(body, "metadata.name");
  for (int attempt = 0; attempt < 8; ++attempt) {
    json candidate = body;
    if (requested_name.empty()) {
      std::string prefix = generate.size() > 58 ? generate.substr(0, 58) : generate;
      candidate["metadata"]["name"] = prefix + random_suffix();
    }
    if (opts.dry_run) return candidate;
    if (strategy && strategy->before_create) {
      if (auto e = strategy->before_create(candidate, req)) return *e;
    }
    auto stored = ctx_.objects.create(kind, candidate);
    if (stored) return stored;
    if (strategy && strategy->after_delete) strategy->after_delete(candidate, ctx_);  // release allocations
    if (stored.error().reason != "AlreadyExists" || !requested_name.empty()) return stored.error();
  }
  return api::already_exists(kind.qualified_resource(), kind.group, kind.plural, generate);
}

ApiResult<json> Registry::finish_update(const api::KindInfo& kind, const std::string& subresource, const json& current,
                                        json next, const WriteOptions& opts, const std::string& verb) {
  if (!next.is_object()) return api::bad_request("the body of the request must be a JSON object");
  json result;
  if (subresource == "status") {
    result = current;
    if (next.contains("status")) result["status"] = next["status"];
    else result.erase("status");
    if (kind.status_keeps_annotations && next.contains("metadata")) {
      const json& m = next["metadata"];
      if (m.contains("annotations")) result["metadata"]["annotations"] = m["annotations"];
      else result["metadata"].erase("annotations");
    }
  } else {
    result = std::move(next);
    if (kind.has_status) {
      if (current.contains("status")) result["status"] = current["status"];
      else result.erase("status");
    }
  }
  json& meta = meta_of(result);
  const json& old_meta = current["metadata"];
  for (const char* f : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace", "name"}) {
    if (old_meta.contains(f)) meta[f] = old_meta[f];
    else meta.erase(f);
  }
  meta["resourceVersion"] = old_meta.value("resourceVersion", "");
  result["kind"] = kind.kind;
  result["apiVersion"] = kind.api_version();

  // Generation counts changes of the desired state only.
  if (kind.spec_generation) {
    int64_t gen = old_meta.value("generation", int64_t{1});
    bool changed = result.value("spec", json()) != current.value("spec", json());
    if (kind.annotations_bump_generation && subresource != "status")
      changed |= result["metadata"].value("annotations", json()) != old_meta.value("annotations", json());
    meta["generation"] = changed ? gen + 1 : gen;
  } else {
    meta.erase("generation");
  }

  if (old_meta.contains("deletionTimestamp")) {
    auto before = string_list(current, "metadata.finalizers");
    for (const auto& f : string_list(result, "metadata.finalizers")) {
      if (std::find(before.begin(), before.end(), f) == before.end()) {
        return api::invalid(kind.kind, kind.group, meta.value("name", ""),
                            {{"FieldValueForbidden", "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"" + f + "\"}", "metadata.finalizers"}});
      }
    }
  }

  AdmissionRequest req{kind, verb, subresource, &current, opts.dry_run, opts.user, &ctx_};
  if (auto e = admit(result, req, opts)) return *e;
  if (auto e = record_managed_fields(kind, &current, result, opts, subresource)) return *e;
  return result;
}

ApiResult<json> Registry::modify(const api::KindInfo& kind, const std::string& ns, const std::string& name,
                                 const std::string& subresource,
                                 const std::function<ApiResult<json>(const json&)>& mutate, const WriteOptions& opts) {
  auto compute = [&](const json& current) -> ApiResult<json> {
    json cur = current;
    cur["kind"] = kind.kind;
    cur["apiVersion"] = kind.api_version();
    auto next = mutate(cur);
    if (!next) return next.error();
    return finish_update(kind, subresource, cur, std::move(*next), opts, "update");
  };
  if (opts.dry_run) {
    auto current = ctx_.objects.get(kind, ns, name);
    if (!current) return current.error();
    return compute(*current);
  }
  auto stored = ctx_.objects.update(kind, ns, name, compute);
  if (!stored) return stored.error();
  (*stored)["kind"] = kind.kind;
  (*stored)["apiVersion"] = kind.api_version();
  // The last finalizer removed from an object being deleted: it goes now.
  bool released = string_list(*stored, "metadata.finalizers").empty() &&
                  (kind.kind != "Namespace" || string_list(*stored, "spec.finalizers").empty());
  if (api::find_path(*stored, "metadata.deletionTimestamp") && released) {
    int64_t rev = std::stoll(api::string_at(*stored, "metadata.resourceVersion", "0"));
    auto gone = ctx_.objects.remove(kind, ns, name, rev);
    if (gone) {
      const KindStrategy* strategy = ctx_.strategy ? ctx_.strategy(kind) : nullptr;
      if (strategy && strategy->after_delete) strategy->after_delete(*gone, ctx_);
    }
  }
  return stored;
}

ApiResult<json> Registry::update(const api::KindInfo& kind, const std::string& ns, const std::string& name,
                                 const std::string& subresource, json body, const WriteOptions& opts) {
  if (auto e = check_type_meta(kind, body)) return *e;
  std::string body_name = api::string_at(body, "metadata.name");
  if (!body_name.empty() && body_name != name) {
    return api::bad_request("the name of the object (" + body_name + ") does not match the name on the URL (" + name + ")");
  }
  std::string body_ns = api::string_at(body, "metadata.namespace");
  if (kind.namespaced && !body_ns.empty() && body_ns != ns)
    return api::bad_request("the namespace of the provided object does not match the namespace sent on the request");
  std::string want_rv = api::string_at(body, "metadata.resourceVersion");
  return modify(kind, ns, name, subresource,
                [&](const json& current) -> ApiResult<json> {
                  if (!want_rv.empty() && want_rv != api::string_at(current, "metadata.resourceVersion"))
                    return api::modified_conflict(kind.qualified_resource(), kind.group, kind.plural, name);
                  return body;
                },
                opts);
}

ApiResult<Registry::Deleted> Registry::remove(const api::KindInfo& kind, const std::string& ns, const std::string& name,
                                              const DeleteOptions& opts) {
  auto current = ctx_.objects.get(kind, ns, name);
  if (!current) return current.error();
  json obj = std::move(*current);
  obj["kind"] = kind.kind;
  obj["apiVersion"] = kind.api_version();
  const json& meta = obj["metadata"];
  if (opts.precondition_uid && *opts.precondition_uid != meta.value("uid", "")) {
    return api::conflict(kind.qualified_resource(), kind.group, kind.plural, name,
                         "Precondition failed: UID in precondition: " + *opts.precondition_uid +
                             ", UID in object meta: " + meta.value("uid", ""));
  }
  if (opts.precondition_resource_version && *opts.precondition_resource_version != meta.value("resourceVersion", "")) {
    return api::conflict(kind.qualified_resource(), kind.group, kind.plural, name,
                         "Precondition failed: ResourceVersion in precondition: " + *opts.precondition_resource_version +
                             ", ResourceVersion in object meta: " + meta.value("resourceVersion", ""));
  }
  std::vector<std::string> add_finalizers;
  std::string policy = opts.propagation_policy.value_or("");
  if (policy == "Foreground") add_finalizers.push_back("foregroundDeletion");
  if (policy == "Orphan") add_finalizers.push_back("orphan");
  if (kind.kind == "Namespace") {
    // Namespaces empty themselves first: the namespace controller removes their contents and
    // then the "kubernetes" finalizer.
    add_finalizers.clear();
  }

  int64_t grace = 0;
  if (kind.kind == "Pod" && !api::string_at(obj, "spec.nodeName").empty()) {
    grace = opts.grace_period_seconds.value_or(api::int_at(obj, "spec.terminationGracePeriodSeconds", 30));
    if (grace < 0) grace = 0;
  }
  auto finalizers = string_list(obj, "metadata.finalizers");
  bool ns_finalizer = kind.kind == "Namespace" && !string_list(obj, "spec.finalizers").empty();
  bool graceful = grace > 0 && !meta.contains("deletionTimestamp");
  bool keep = !finalizers.empty() || !add_finalizers.empty() || ns_finalizer || graceful;

  if (keep) {
    // Deletion marks are server-owned metadata: written directly, not through update
    // admission (which keeps clients from setting them).
    auto mark = [&](const json& cur) -> ApiResult<json> {
      json next = cur;
      json& m = next["metadata"];
      if (!m.contains("deletionTimestamp")) {
        std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + grace;
        std::tm tm{};
        gmtime_r(&t, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        m["deletionTimestamp"] = buf;
        m["deletionGracePeriodSeconds"] = grace;
        if (cur["metadata"].contains("generation"))
          m["generation"] = cur["metadata"].value("generation", int64_t{0}) + 1;
      }
      for (const auto& f : add_finalizers) {
        auto list = string_list(next, "metadata.finalizers");
        if (std::find(list.begin(), list.end(), f) == list.end()) m["finalizers"].push_back(f);
      }
      if (kind.kind == "Namespace") next["status"]["phase"] = "Terminating";
      next["kind"] = kind.kind;
      next["apiVersion"] = kind.api_version();
      return next;
    };
    ApiResult<json> marked = opts.dry_run ? mark(obj) : ctx_.objects.update(kind, ns, name, mark);
    if (!marked) return marked.error();
    (*marked)["kind"] = kind.kind;
    (*marked)["apiVersion"] = kind.api_version();
    return Deleted{*marked, false};
  }
  if (opts.dry_run) return Deleted{obj, true};
  int64_t rev = std::stoll(meta.value("resourceVersion", "0"));
  auto gone = ctx_.objects.remove(kind, ns, name, rev);
  if (!gone) return gone.error();
  (*gone)["kind"] = kind.kind;
  (*gone)["apiVersion"] = kind.api_version();
  const KindStrategy* strategy = ctx_.strategy ? ctx_.strategy(kind) : nullptr;
  if (strategy && strategy->after_delete) strategy->after_delete(*gone, ctx_);
  return Deleted{*gone, true};
}

ApiResult<json> Registry::delete_collection(const api::KindInfo& kind, const std::string& ns, const ListParams& params,
                                            const DeleteOptions& opts) {
  ListParams all = params;
  all.limit = 0;
  all.continue_token.clear();
  auto list = this->list(kind, ns, all);
  if (!list) return list.error();
  json deleted = json::array();
  for (const auto& item : (*list)["items"]) {
    auto r = remove(kind, api::string_at(item, "metadata.namespace"), api::string_at(item, "metadata.name"), opts);
    if (!r) {
      if (r.error().code == 404) continue;
      return r.error();
    }
    deleted.push_back(r->object);
  }
  (*list)["items"] = std::move(deleted);
  return list;
}

}  // namespace mk::apiserver
