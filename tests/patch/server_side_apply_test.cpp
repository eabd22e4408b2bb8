// Server-side apply: ownership recorded in managedFields, conflicts between managers, removal of
// fields an applier stops applying, and ownership records for ordinary writes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/schema/schema.h"
#include "server/apiserver/merge/field_set.h"
#include "server/apiserver/merge/server_side_apply.h"

using nlohmann::json;
using namespace mk::apiserver;

namespace {

constexpr const char* t0 = "2026-01-01T00:00:00Z";
constexpr const char* t1 = "2026-01-01T00:01:00Z";
constexpr const char* t2 = "2026-01-01T00:02:00Z";

const mk::api::schema::TypeDef& deployment() {
  const auto* t = mk::api::schema::Schema::builtin().find("Deployment");
  REQUIRE(t != nullptr);
  return *t;
}

json config(int replicas) {
  json c = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
    "spec":{"selector":{"matchLabels":{"app":"web"}},
            "template":{"metadata":{"labels":{"app":"web"}},
                        "spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}})");
  c["spec"]["replicas"] = replicas;
  return c;
}

json partial(const char* spec) {
  json c = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"}})");
  c["spec"] = json::parse(spec);
  return c;
}

ApplyResult apply(const json* live, const json& applied, const std::string& manager, bool force, const char* now) {
  auto r = server_side_apply(deployment(), live, applied, manager, force, "apps/v1", now);
  REQUIRE(r.has_value());
  return std::move(*r);
}

// The managedFields entry of `manager` (with `operation`), or null.
json entry(const json& obj, const std::string& manager, const std::string& operation = "Apply") {
  for (const auto& e : obj["metadata"]["managedFields"]) {
    if (e["manager"] == manager && e["operation"] == operation) return e;
  }
  return nullptr;
}

bool owns(const json& obj, const std::string& manager, const std::vector<std::string>& path,
          const std::string& operation = "Apply") {
  json e = entry(obj, manager, operation);
  if (e.is_null()) return false;
  auto set = mk::apiserver::merge::from_fields_v1(e["fieldsV1"]);
  REQUIRE(set.has_value());
  const auto* node = set->find(path);
  return node && node->member;
}

}  // namespace

TEST_CASE("apply creates an absent object and records its fields") {
  ApplyResult r = apply(nullptr, config(2), "kubectl", false, t0);
  REQUIRE(r.conflicts.empty());
  json expected_object = config(2);
  json managed = r.object["metadata"]["managedFields"];
  r.object["metadata"].erase("managedFields");
  CHECK(r.object == expected_object);

  REQUIRE(managed.size() == 1);
  CHECK(managed[0]["manager"] == "kubectl");
  CHECK(managed[0]["operation"] == "Apply");
  CHECK(managed[0]["apiVersion"] == "apps/v1");
  CHECK(managed[0]["time"] == t0);
  CHECK(managed[0]["fieldsType"] == "FieldsV1");
  CHECK(managed[0]["fieldsV1"] == json::parse(R"({"f:spec":{
      "f:replicas":{},
      "f:selector":{"f:matchLabels":{"f:app":{}}},
      "f:template":{"f:metadata":{"f:labels":{"f:app":{}}},
                    "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}})"));
}

TEST_CASE("a second manager applying the same value shares the field") {
  json live = apply(nullptr, config(2), "kubectl", false, t0).object;
  ApplyResult r = apply(&live, partial(R"({"replicas":2})"), "ops", false, t1);
  REQUIRE(r.conflicts.empty());
  CHECK(r.object["spec"]["replicas"] == 2);
  CHECK(owns(r.object, "kubectl", {"f:spec", "f:replicas"}));
  CHECK(owns(r.object, "ops", {"f:spec", "f:replicas"}));
  CHECK(entry(r.object, "kubectl")["time"] == t0);  // its fields did not change
}

TEST_CASE("a different value for a field another manager owns is a conflict") {
  json live = apply(nullptr, config(2), "kubectl", false, t0).object;
  ApplyResult r = apply(&live, partial(R"({"replicas":5})"), "ops", false, t1);
  REQUIRE(r.conflicts.size() == 1);
  CHECK(r.conflicts[0].manager == "kubectl");
  CHECK(r.conflicts[0].operation == "Apply");
  CHECK(r.conflicts[0].path == ".spec.replicas");
  CHECK(conflict_message(r.conflicts) == "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas");
  CHECK(conflict_causes(r.conflicts) ==
        json::parse(R"([{"reason":"FieldManagerConflict","message":"conflict with \"kubectl\"","field":".spec.replicas"}])"));
  CHECK(r.object == live);
}

TEST_CASE("force takes ownership of conflicting fields") {
  json live = apply(nullptr, config(2), "kubectl", false, t0).object;
  ApplyResult r = apply(&live, partial(R"({"replicas":5})"), "ops", true, t1);
  REQUIRE(r.conflicts.empty());
  CHECK(r.object["spec"]["replicas"] == 5);
  CHECK(owns(r.object, "ops", {"f:spec", "f:replicas"}));
  CHECK_FALSE(owns(r.object, "kubectl", {"f:spec", "f:replicas"}));
  CHECK(owns(r.object, "kubectl", {"f:spec", "f:template", "f:spec", "f:containers", R"(k:{"name":"nginx"})", "f:image"}));

  // The former owner re-applying its old value now conflicts with the new owner.
  ApplyResult back = apply(&r.object, config(2), "kubectl", false, t2);
  REQUIRE(back.conflicts.size() == 1);
  CHECK(conflict_message(back.conflicts) == "Apply failed with 1 conflict: conflict with \"ops\": .spec.replicas");
}

TEST_CASE("a field no longer applied is removed unless someone else owns it") {
  json live = apply(nullptr, config(2), "kubectl", false, t0).object;
  json without = config(2);
  without["spec"].erase("replicas");
  ApplyResult r = apply(&live, without, "kubectl", false, t1);
  REQUIRE(r.conflicts.empty());
  CHECK_FALSE(r.object["spec"].contains("replicas"));
  CHECK(entry(r.object, "kubectl")["time"] == t1);

  json shared = apply(&live, partial(R"({"replicas":2})"), "ops", false, t1).object;
  ApplyResult kept = apply(&shared, without, "kubectl", false, t2);
  CHECK(kept.object["spec"]["replicas"] == 2);
  CHECK_FALSE(owns(kept.object, "kubectl", {"f:spec", "f:replicas"}));
  CHECK(owns(kept.object, "ops", {"f:spec", "f:replicas"}));
}

TEST_CASE("keyed list items are owned per key") {
  json live = apply(nullptr, config(2), "kubectl", false, t0).object;
  const char* sidecar = R"({"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}})";
  ApplyResult r = apply(&live, partial(sidecar), "mesh", false, t1);
  REQUIRE(r.conflicts.empty());
  const json& containers = r.object["spec"]["template"]["spec"]["containers"];
  REQUIRE(containers.size() == 2);
  CHECK(containers[0]["name"] == "nginx");
  CHECK(containers[1]["name"] == "sidecar");
  const std::vector<std::string> side = {"f:spec", "f:template", "f:spec", "f:containers", R"(k:{"name":"sidecar"})"};
  const std::vector<std::string> main = {"f:spec", "f:template", "f:spec", "f:containers", R"(k:{"name":"nginx"})"};
  CHECK(owns(r.object, "mesh", side));
  CHECK_FALSE(owns(r.object, "mesh", main));
  CHECK(owns(r.object, "kubectl", main));

  // Each manager changes its own item freely; touching the other's item conflicts.
  json changed = config(2);
  changed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28";
  ApplyResult mine = apply(&r.object, changed, "kubectl", false, t2);
  REQUIRE(mine.conflicts.empty());
  CHECK(mine.object["spec"]["template"]["spec"]["containers"].size() == 2);
  ApplyResult theirs =
      apply(&r.object, partial(R"({"template":{"spec":{"containers":[{"name":"nginx","image":"evil"}]}}})"), "mesh",
            false, t2);
  REQUIRE(theirs.conflicts.size() == 1);
  CHECK(theirs.conflicts[0].path == R"(.spec.template.spec.containers[name="nginx"].image)");

  // The sidecar's manager stops applying it: only its item goes.
  ApplyResult gone = apply(&r.object, partial(R"({"paused":false})"), "mesh", false, t2);
  REQUIRE(gone.conflicts.empty());
  const json& left = gone.object["spec"]["template"]["spec"]["containers"];
  REQUIRE(left.size() == 1);
  CHECK(left[0]["name"] == "nginx");
}

TEST_CASE("keyed list keys take schema defaults and must be present otherwise") {
  json c = config(1);
  c["spec"]["template"]["spec"]["containers"][0]["ports"] = json::parse(R"([{"containerPort":80}])");
  ApplyResult r = apply(nullptr, c, "kubectl", false, t0);
  CHECK(owns(r.object, "kubectl",
             {"f:spec", "f:template", "f:spec", "f:containers", R"(k:{"name":"nginx"})", "f:ports",
              R"(k:{"containerPort":80,"protocol":"TCP"})"}));

  json bad = config(1);
  bad["spec"]["template"]["spec"]["containers"][0]["env"] = json::parse(R"([{"value":"x"}])");
  auto err = server_side_apply(deployment(), nullptr, bad, "kubectl", false, "apps/v1", t0);
  REQUIRE_FALSE(err.has_value());
  CHECK(err.error().code == mk::Errc::invalid_argument);

  json dup = config(1);
  dup["spec"]["template"]["spec"]["containers"].push_back({{"name", "nginx"}});
  CHECK_FALSE(server_side_apply(deployment(), nullptr, dup, "kubectl", false, "apps/v1", t0).has_value());
}

TEST_CASE("set items are owned by value and merged as a union") {
  json live = apply(nullptr, partial(R"({"replicas":1})"), "a", false, t0).object;
  live["metadata"]["finalizers"] = {"x"};
  json mine = partial(R"({"replicas":1})");
  mine["metadata"]["finalizers"] = {"y"};
  ApplyResult r = apply(&live, mine, "a", false, t1);
  CHECK(r.object["metadata"]["finalizers"] == json({"x", "y"}));
  CHECK(owns(r.object, "a", {"f:metadata", "f:finalizers", R"(v:"y")"}));
}

TEST_CASE("fields changed by updates belong to the updater") {
  auto created = update_managed_fields(deployment(), nullptr, config(2), "kubectl-client-side-apply", "apps/v1", t0);
  REQUIRE(created.has_value());
  json e = entry(*created, "kubectl-client-side-apply", "Update");
  REQUIRE_FALSE(e.is_null());
  CHECK(e["fieldsV1"]["f:spec"]["f:replicas"] == json::object());
  CHECK(e["fieldsV1"]["f:spec"]["f:template"]["f:metadata"]["f:labels"]["."] == json::object());
  CHECK_FALSE(e["fieldsV1"].contains("f:metadata"));  // name and namespace are nobody's

  ApplyResult r = apply(&*created, config(3), "kubectl", false, t1);
  REQUIRE(r.conflicts.size() == 1);
  CHECK(conflict_message(r.conflicts) ==
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas");

  // An update takes the fields it changes from an applier.
  json applied = apply(nullptr, config(2), "kubectl", false, t0).object;
  json scaled = applied;
  scaled["spec"]["replicas"] = 4;
  auto s = update_managed_fields(deployment(), &applied, scaled, "kubectl-scale", "apps/v1", t1);
  REQUIRE(s.has_value());
  CHECK(owns(*s, "kubectl-scale", {"f:spec", "f:replicas"}, "Update"));
  CHECK_FALSE(owns(*s, "kubectl", {"f:spec", "f:replicas"}));
  CHECK(owns(*s, "kubectl", {"f:spec", "f:template", "f:spec", "f:containers", R"(k:{"name":"nginx"})", "f:image"}));
  auto order = (*s)["metadata"]["managedFields"];
  CHECK(order[0]["operation"] == "Apply");
  CHECK(order[1]["operation"] == "Update");

  // Nothing changed: the updater gets no entry. An empty list clears the record.
  auto same = update_managed_fields(deployment(), &applied, applied, "noop", "apps/v1", t1);
  REQUIRE(same.has_value());
  CHECK(entry(*same, "noop", "Update").is_null());
  json cleared = scaled;
  cleared["metadata"]["managedFields"] = json::array();
  auto c = update_managed_fields(deployment(), &applied, cleared, "x", "apps/v1", t1);
  REQUIRE(c.has_value());
  CHECK_FALSE((*c)["metadata"].contains("managedFields"));
}

TEST_CASE("an object without ownership records is first owned by before-first-apply") {
  json live = config(2);
  ApplyResult same = apply(&live, config(2), "kubectl", false, t0);
  CHECK(same.conflicts.empty());
  ApplyResult r = apply(&live, config(3), "kubectl", false, t0);
  REQUIRE(r.conflicts.size() == 1);
  CHECK(conflict_message(r.conflicts) ==
        "Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: .spec.replicas");
}

TEST_CASE("several conflicts are listed per manager") {
  std::vector<Conflict> cs = {{"b", "Apply", "apps/v1", ".spec.replicas"},
                              {"a", "Update", "apps/v1", ".spec.paused"},
                              {"b", "Apply", "apps/v1", ".spec.minReadySeconds"}};
  CHECK(conflict_message(cs) ==
        "Apply failed with 3 conflicts: conflicts with \"a\" using apps/v1:\n- .spec.paused\n"
        "conflicts with \"b\":\n- .spec.replicas\n- .spec.minReadySeconds");
}

TEST_CASE("fieldsV1 round trips and paths print like kube-apiserver") {
  using namespace mk::apiserver::merge;
  json fields = json::parse(R"({"f:metadata":{"f:labels":{".":{},"f:app":{}}},
                               "f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:port":{}}}}})");
  auto set = from_fields_v1(fields);
  REQUIRE(set.has_value());
  CHECK(to_fields_v1(*set) == fields);
  CHECK(path_string({"f:spec", "f:ports", R"(k:{"port":80,"protocol":"TCP"})", "f:port"}) ==
        R"(.spec.ports[port=80,protocol="TCP"].port)");
  CHECK(path_string({"f:metadata", "f:finalizers", R"(v:"x")"}) == R"(.metadata.finalizers[="x"])");
  CHECK_FALSE(from_fields_v1(json::array()).has_value());
}

TEST_CASE("writes through a subresource are recorded separately") {
  json live = apply(nullptr, config(2), "kubectl", false, t0).object;
  json with_status = live;
  with_status["status"] = json::parse(R"({"replicas":2,"conditions":[{"type":"Available","status":"True"}]})");
  auto r = update_managed_fields(deployment(), &live, with_status, "kube-controller-manager", "apps/v1", t1, "status");
  REQUIRE(r.has_value());
  json e = entry(*r, "kube-controller-manager", "Update");
  REQUIRE_FALSE(e.is_null());
  CHECK(e["subresource"] == "status");
  CHECK(e["fieldsV1"]["f:status"]["f:conditions"].contains(R"(k:{"type":"Available"})"));
  CHECK(owns(*r, "kubectl", {"f:spec", "f:replicas"}));
}
