#include "server/apiserver/subresources/scale.h"

#include "api/json_path.h"
#include "api/label_selector.h"
#include "api/schema/schema.h"
#include "server/apiserver/subresources/type_meta.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

// Scale as a kind of its own, for patching it (strategic merge reads its schema).
const api::KindInfo& scale_kind() {
  static const api::KindInfo kind = [] {
    api::KindInfo k;
    k.group = "autoscaling";
    k.version = "v1";
    k.kind = "Scale";
    k.plural = "scale";
    k.type = api::schema::Schema::builtin().find("Scale");
    return k;
  }();
  return kind;
}

std::string selector_string(const json& parent) {
  const json* sel = api::find_path(parent, "spec.selector");
  if (!sel || sel->is_null()) return "";
  auto parsed = api::LabelSelector::from_json(*sel);
  if (!parsed || parsed->is_nothing()) return "";
  return parsed->to_string();
}

// The new Scale's replica count, checked as ValidateScale does.
ApiResult<int64_t> replicas_of(const json& scale, const std::string& name) {
  const json* r = api::find_path(scale, "spec.replicas");
  if (!r || r->is_null()) return int64_t{0};  // upstream's Scale.Spec.Replicas is a plain int32
  if (!r->is_number_integer())
    return api::bad_request("Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal " +
                            std::string(r->is_string() ? "string" : r->type_name()) +
                            " into Go struct field ScaleSpec.spec.replicas of type int32");
  int64_t n = r->get<int64_t>();
  if (n < 0)
    return api::invalid("Scale", "autoscaling", name,
                        {{"FieldValueInvalid", "spec.replicas: Invalid value: " + std::to_string(n) +
                                                   ": must be greater than or equal to 0",
                          "spec.replicas"}});
  if (n > INT32_MAX)
    return api::bad_request("Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal number " +
                            std::to_string(n) + " into Go struct field ScaleSpec.spec.replicas of type int32");
  return n;
}

// Writes the parent with the replica count `change` asks for.
ApiResult<json> write_scale(Registry& registry, const api::KindInfo& kind, const std::string& ns, const std::string& name,
                            const std::function<ApiResult<json>(const json& current_scale)>& change,
                            const WriteOptions& opts) {
  auto stored = registry.modify(
      kind, ns, name, "",
      [&](const json& current) -> ApiResult<json> {
        json scale = scale_of(current);
        auto next = change(scale);
        if (!next) return next.error();
        if (auto e = check_body_type(*next, "Scale", {"autoscaling/v1"})) return *e;
        std::string next_name = api::string_at(*next, "metadata.name");
        if (!next_name.empty() && next_name != name)
          return api::bad_request("the name of the object (" + next_name + ") does not match the name on the URL (" + name + ")");
        std::string next_ns = api::string_at(*next, "metadata.namespace");
        if (!next_ns.empty() && next_ns != ns)
          return api::bad_request("the namespace of the provided object does not match the namespace sent on the request");
        std::string rv = api::string_at(*next, "metadata.resourceVersion");
        if (!rv.empty() && rv != api::string_at(current, "metadata.resourceVersion"))
          return api::modified_conflict(kind.qualified_resource(), kind.group, kind.plural, name);
        auto replicas = replicas_of(*next, name);
        if (!replicas) return replicas.error();
        json parent = current;
        parent["spec"]["replicas"] = *replicas;
        return parent;
      },
      opts);
  if (!stored) return stored.error();
  return scale_of(*stored);
}

}  // namespace

json scale_of(const json& parent) {
  json meta = json::object();
  for (const char* f : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (const json* v = api::find_path(parent, std::string("metadata.") + f)) meta[f] = *v;
  }
  json status = {{"replicas", api::int_at(parent, "status.replicas", 0)}};
  if (std::string sel = selector_string(parent); !sel.empty()) status["selector"] = sel;
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", std::move(meta)},
          {"spec", {{"replicas", api::int_at(parent, "spec.replicas", 0)}}},
          {"status", std::move(status)}};
}

ApiResult<json> get_scale(Registry& registry, const api::KindInfo& kind, const std::string& ns, const std::string& name) {
  auto parent = registry.get(kind, ns, name);
  if (!parent) return parent.error();
  return scale_of(*parent);
}

ApiResult<json> update_scale(Registry& registry, const api::KindInfo& kind, const std::string& ns, const std::string& name,
                             const json& scale, const WriteOptions& opts) {
  if (auto e = check_body_type(scale, "Scale", {"autoscaling/v1"})) return *e;
  return write_scale(registry, kind, ns, name, [&](const json&) -> ApiResult<json> { return scale; }, opts);
}

ApiResult<json> patch_scale(Registry& registry, const api::KindInfo& kind, const std::string& ns, const std::string& name,
                            PatchType type, const std::string& patch, const WriteOptions& opts) {
  if (type == PatchType::apply)
    return api::unsupported_media_type("apply patches are not supported on the scale subresource; use a merge patch");
  return write_scale(
      registry, kind, ns, name, [&](const json& current) { return apply_patch(scale_kind(), type, current, patch); }, opts);
}

}  // namespace mk::apiserver
