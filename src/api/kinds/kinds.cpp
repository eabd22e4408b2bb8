#include <nlohmann/json.hpp>

#include <algorithm>

#include "api/json_path.h"
#include "api/kinds/kind_info.h"
#include "api/kinds/printers.h"
#include "api/schema/schema.h"

namespace mk::api {
namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};
const std::vector<std::string> kSubVerbs = {"get", "patch", "update"};

struct Spec {
  std::string group, version, kind, plural;
  bool namespaced;
  std::vector<std::string> short_names = {};
  std::vector<std::string> categories = {};
  std::vector<std::string> subresources = {};  // "status", "scale", or names with their own kinds
  std::vector<std::string> field_selectors = {};
  bool spec_generation = false;
  std::vector<std::string> verbs = kAllVerbs;
};

// Reviews: create-only resources the server answers without storing anything.
const std::vector<std::string> kCreateOnly = {"create"};

Subresource make_subresource(const Spec& s, const std::string& name) {
  Subresource sub;
  sub.name = name;
  if (name == "status") {
    sub.verbs = kSubVerbs;
  } else if (name == "scale") {
    sub.group = "autoscaling";
    sub.version = "v1";
    sub.kind = "Scale";
    sub.verbs = kSubVerbs;
  } else if (name == "binding") {
    sub.kind = "Binding";
    sub.verbs = {"create"};
  } else if (name == "eviction") {
    sub.group = "policy";
    sub.version = "v1";
    sub.kind = "Eviction";
    sub.verbs = {"create"};
  } else if (name == "token") {
    sub.group = "authentication.k8s.io";
    sub.version = "v1";
    sub.kind = "TokenRequest";
    sub.verbs = {"create"};
  } else if (name == "log") {
    sub.kind = "Pod";
    sub.verbs = {"get"};
  } else if (name == "exec" || name == "attach" || name == "portforward") {
    sub.kind = name == "portforward" ? "PodPortForwardOptions"
                                     : (name == "exec" ? "PodExecOptions" : "PodAttachOptions");
    sub.verbs = {"create", "get"};
  } else if (name == "finalize") {
    sub.verbs = {"update"};
  }
  (void)s;
  return sub;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<KindInfo> build() {
  const std::vector<Spec> specs = {
      // core/v1
      {"", "v1", "Namespace", "namespaces", false, {"ns"}, {}, {"status", "finalize"}, {"status.phase"}},
      {"", "v1", "Node", "nodes", false, {"no"}, {}, {"status"}, {"spec.unschedulable"}},
      {"", "v1", "Pod", "pods", true, {"po"}, {"all"},
       {"status", "binding", "eviction", "log", "exec", "attach", "portforward"},
       {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"}},
      {"", "v1", "Service", "services", true, {"svc"}, {"all"}, {"status"}, {"spec.clusterIP", "spec.type"}},
      {"", "v1", "Endpoints", "endpoints", true, {"ep"}},
      {"", "v1", "ConfigMap", "configmaps", true, {"cm"}},
      {"", "v1", "Secret", "secrets", true, {}, {}, {}, {"type"}},
      {"", "v1", "ServiceAccount", "serviceaccounts", true, {"sa"}, {}, {"token"}},
      {"", "v1", "Event", "events", true, {"ev"}, {}, {},
       {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"}},
      {"", "v1", "LimitRange", "limitranges", true, {"limits"}},
      {"", "v1", "ResourceQuota", "resourcequotas", true, {"quota"}, {}, {"status"}},
      {"", "v1", "PersistentVolume", "persistentvolumes", false, {"pv"}, {}, {"status"}},
      {"", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, {"pvc"}, {}, {"status"}},
      // apps/v1
      {"apps", "v1", "Deployment", "deployments", true, {"deploy"}, {"all"}, {"status", "scale"}, {}, true},
      {"apps", "v1", "ReplicaSet", "replicasets", true, {"rs"}, {"all"}, {"status", "scale"}, {"status.replicas"}, true},
      {"apps", "v1", "DaemonSet", "daemonsets", true, {"ds"}, {"all"}, {"status"}, {}, true},
      {"apps", "v1", "StatefulSet", "statefulsets", true, {"sts"}, {"all"}, {"status", "scale"}, {}, true},
      {"apps", "v1", "ControllerRevision", "controllerrevisions", true},
      // batch/v1
      {"batch", "v1", "Job", "jobs", true, {}, {"all"}, {"status"}, {"status.successful"}, true},
      {"batch", "v1", "CronJob", "cronjobs", true, {"cj"}, {"all"}, {"status"}, {}, true},
      {"coordination.k8s.io", "v1", "Lease", "leases", true},
      {"discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, {}, {}, {}, {"addressType"}},
      {"rbac.authorization.k8s.io", "v1", "Role", "roles", true},
      {"rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false},
      {"rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true},
      {"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false},
      {"storage.k8s.io", "v1", "StorageClass", "storageclasses", false, {"sc"}},
      {"networking.k8s.io", "v1", "Ingress", "ingresses", true, {"ing"}, {}, {"status"}, {}, true},
      {"networking.k8s.io", "v1", "IngressClass", "ingressclasses", false},
      {"networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, {"netpol"}, {}, {}, {}, true},
      {"policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, {"pdb"}, {}, {"status"}, {}, true},
      {"scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, {"pc"}},
      {"apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false,
       {"crd", "crds"}, {"api-extensions"}, {"status"}, {}, true},
      {"authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", false, {}, {}, {}, {}, false, kCreateOnly},
      {"authentication.k8s.io", "v1", "TokenReview", "tokenreviews", false, {}, {}, {}, {}, false, kCreateOnly},
      {"authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false, {}, {}, {}, {}, false,
       kCreateOnly},
      {"authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", false, {}, {}, {}, {}, false,
       kCreateOnly},
      {"authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", false, {}, {}, {}, {}, false,
       kCreateOnly},
  };

  const auto& schema = schema::Schema::builtin();
  std::vector<KindInfo> kinds;
  kinds.reserve(specs.size());
  for (const auto& s : specs) {
    KindInfo k;
    k.group = s.group;
    k.version = s.version;
    k.kind = s.kind;
    k.plural = s.plural;
    k.singular = lower(s.kind);
    k.namespaced = s.namespaced;
    k.short_names = s.short_names;
    k.categories = s.categories;
    k.verbs = s.verbs;
    for (const auto& sub : s.subresources) {
      k.subresources.push_back(make_subresource(s, sub));
      if (sub == "status") k.has_status = true;
    }
    for (const auto& f : s.field_selectors) {
      // Events' "source" names the reporting component, as upstream maps it.
      k.field_selectors.emplace_back(f, f == "source" ? "source.component" : f);
    }
    k.spec_generation = s.spec_generation;
    k.annotations_bump_generation = s.kind == "Deployment";
    // The apps status strategies keep spec and labels but take annotations from the write (the
    // deployment controller records revisions that way).
    k.status_keeps_annotations = s.group == "apps";
    k.type = schema.find(s.kind == "Event" ? "Event" : s.kind);
    k.columns = printer_columns(s.group, s.kind);
    if (k.columns.empty()) k.columns = default_columns();
    kinds.push_back(std::move(k));
  }
  return kinds;
}

}  // namespace

const Subresource* KindInfo::subresource(std::string_view name) const {
  for (const auto& s : subresources)
    if (s.name == name) return &s;
  return nullptr;
}

bool KindInfo::has_verb(std::string_view verb) const {
  for (const auto& v : verbs)
    if (v == verb) return true;
  return false;
}

const KindRegistry& KindRegistry::builtin() {
  static const KindRegistry registry(build());
  return registry;
}

const KindInfo* KindRegistry::by_resource(std::string_view group, std::string_view version,
                                          std::string_view plural) const {
  for (const auto& k : kinds_)
    if (k.group == group && k.version == version && k.plural == plural) return &k;
  return nullptr;
}

const KindInfo* KindRegistry::by_kind(std::string_view group, std::string_view version,
                                      std::string_view kind) const {
  for (const auto& k : kinds_)
    if (k.group == group && k.version == version && k.kind == kind) return &k;
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> KindRegistry::group_versions() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& k : kinds_) {
    std::pair<std::string, std::string> gv{k.group, k.version};
    if (std::find(out.begin(), out.end(), gv) == out.end()) out.push_back(gv);
  }
  return out;
}

std::vector<PrinterColumn> default_columns() {
  return {
      {"Name", "string", "name", 0, "Name must be unique within a namespace.",
       [](const nlohmann::json& o) -> nlohmann::json { return string_at(o, "metadata.name"); }},
      {"Created At", "date", "", 0, "When the object was created.",
       [](const nlohmann::json& o) -> nlohmann::json {
         return string_at(o, "metadata.creationTimestamp");
       }},
  };
}

}  // namespace mk::api
