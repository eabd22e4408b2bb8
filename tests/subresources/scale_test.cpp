// The scale subresource: a Scale view of the parent, and writes that change only the parent's
// spec.replicas (bumping its generation, refusing stale resourceVersions and bad counts).
#include "registry_fixture.h"
#include "server/apiserver/subresources/scale.h"

using namespace mk::apiserver;
using namespace mk::apiserver::test;

namespace {

const mk::api::KindInfo& deployments() { return RegistryFixture::kind("apps", "Deployment"); }

}  // namespace

TEST_CASE("GET scale shows the parent's replicas, status and selector", "[scale]") {
  RegistryFixture f;
  json d = f.must_create("apps", "Deployment", deployment("web", 2));
  f.must_set_status("apps", "Deployment", "web", {{"replicas", 1}});
  auto scale = get_scale(f.registry(), deployments(), "default", "web");
  REQUIRE(scale);
  json stored = f.must_get("apps", "Deployment", "web");
  CHECK((*scale)["kind"] == "Scale");
  CHECK((*scale)["apiVersion"] == "autoscaling/v1");
  CHECK((*scale)["metadata"]["name"] == "web");
  CHECK((*scale)["metadata"]["namespace"] == "default");
  CHECK((*scale)["metadata"]["uid"] == d["metadata"]["uid"]);
  CHECK((*scale)["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]);
  CHECK((*scale)["metadata"]["creationTimestamp"] == d["metadata"]["creationTimestamp"]);
  CHECK((*scale)["spec"] == json{{"replicas", 2}});
  CHECK((*scale)["status"] == json{{"replicas", 1}, {"selector", "app=web"}});

  auto missing = get_scale(f.registry(), deployments(), "default", "nope");
  REQUIRE(!missing);
  CHECK(missing.error().code == 404);
  CHECK(missing.error().message == "deployments.apps \"nope\" not found");
}

TEST_CASE("PATCH scale (merge, JSON, strategic) changes spec.replicas and bumps generation", "[scale]") {
  RegistryFixture f;
  f.must_create("apps", "Deployment", deployment("web", 1));
  auto merged = patch_scale(f.registry(), deployments(), "default", "web", PatchType::merge, R"({"spec":{"replicas":3}})",
                            RegistryFixture::options());
  REQUIRE(merged);
  CHECK((*merged)["spec"]["replicas"] == 3);
  json d = f.must_get("apps", "Deployment", "web");
  CHECK(d["spec"]["replicas"] == 3);
  CHECK(d["metadata"]["generation"] == 2);
  CHECK((*merged)["metadata"]["resourceVersion"] == d["metadata"]["resourceVersion"]);

  auto jsonp = patch_scale(f.registry(), deployments(), "default", "web", PatchType::json,
                           R"([{"op":"replace","path":"/spec/replicas","value":5}])", RegistryFixture::options());
  REQUIRE(jsonp);
  CHECK(f.must_get("apps", "Deployment", "web")["spec"]["replicas"] == 5);

  auto strategic = patch_scale(f.registry(), deployments(), "default", "web", PatchType::strategic,
                               R"({"spec":{"replicas":4}})", RegistryFixture::options());
  REQUIRE(strategic);
  d = f.must_get("apps", "Deployment", "web");
  CHECK(d["spec"]["replicas"] == 4);
  CHECK(d["metadata"]["generation"] == 4);
  // Nothing but the replica count moved.
  CHECK(d["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.36");

  // The same count again is no change: no new generation.
  auto same = patch_scale(f.registry(), deployments(), "default", "web", PatchType::merge, R"({"spec":{"replicas":4}})",
                          RegistryFixture::options());
  REQUIRE(same);
  CHECK(f.must_get("apps", "Deployment", "web")["metadata"]["generation"] == 4);
}

TEST_CASE("PUT scale honours resourceVersion and validates the count", "[scale]") {
  RegistryFixture f;
  f.must_create("apps", "Deployment", deployment("web", 1));
  auto current = get_scale(f.registry(), deployments(), "default", "web");
  REQUIRE(current);

  json next = *current;
  next["spec"]["replicas"] = 6;
  auto put = update_scale(f.registry(), deployments(), "default", "web", next, RegistryFixture::options());
  REQUIRE(put);
  CHECK((*put)["spec"]["replicas"] == 6);
  CHECK(f.must_get("apps", "Deployment", "web")["spec"]["replicas"] == 6);

  // `next` still carries the old resourceVersion.
  next["spec"]["replicas"] = 7;
  auto stale = update_scale(f.registry(), deployments(), "default", "web", next, RegistryFixture::options());
  REQUIRE(!stale);
  CHECK(stale.error().code == 409);
  CHECK(stale.error().message ==
        "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your "
        "changes to the latest version and try again");

  json negative = {{"kind", "Scale"}, {"apiVersion", "autoscaling/v1"}, {"metadata", {{"name", "web"}}}, {"spec", {{"replicas", -1}}}};
  auto bad = update_scale(f.registry(), deployments(), "default", "web", negative, RegistryFixture::options());
  REQUIRE(!bad);
  CHECK(bad.error().code == 422);
  CHECK(bad.error().message == "Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0");

  json other_name = {{"metadata", {{"name", "api"}}}, {"spec", {{"replicas", 1}}}};
  auto renamed = update_scale(f.registry(), deployments(), "default", "web", other_name, RegistryFixture::options());
  REQUIRE(!renamed);
  CHECK(renamed.error().code == 400);

  json wrong_kind = {{"kind", "Deployment"}, {"apiVersion", "apps/v1"}, {"spec", {{"replicas", 1}}}};
  auto mistyped = update_scale(f.registry(), deployments(), "default", "web", wrong_kind, RegistryFixture::options());
  REQUIRE(!mistyped);
  CHECK(mistyped.error().code == 400);
  CHECK(f.must_get("apps", "Deployment", "web")["spec"]["replicas"] == 6);
}

TEST_CASE("dry-run scale writes nothing", "[scale]") {
  RegistryFixture f;
  f.must_create("apps", "Deployment", deployment("web", 1));
  WriteOptions dry = RegistryFixture::options();
  dry.dry_run = true;
  auto r = patch_scale(f.registry(), deployments(), "default", "web", PatchType::merge, R"({"spec":{"replicas":9}})", dry);
  REQUIRE(r);
  CHECK((*r)["spec"]["replicas"] == 9);
  CHECK(f.must_get("apps", "Deployment", "web")["spec"]["replicas"] == 1);
}

TEST_CASE("replicasets and statefulsets scale the same way", "[scale]") {
  RegistryFixture f;
  json rs = deployment("cache", 2);
  rs["kind"] = "ReplicaSet";
  f.must_create("apps", "ReplicaSet", rs);
  json sts = deployment("db", 1);
  sts["kind"] = "StatefulSet";
  sts["spec"]["serviceName"] = "db";
  f.must_create("apps", "StatefulSet", sts);
  for (const char* kind : {"ReplicaSet", "StatefulSet"}) {
    CAPTURE(kind);
    const auto& k = RegistryFixture::kind("apps", kind);
    std::string name = std::string(kind) == "ReplicaSet" ? "cache" : "db";
    auto r = patch_scale(f.registry(), k, "default", name, PatchType::merge, R"({"spec":{"replicas":0}})", RegistryFixture::options());
    REQUIRE(r);
    CHECK((*r)["spec"]["replicas"] == 0);
    CHECK((*r)["status"]["selector"] == "app=" + name);
    json parent = f.must_get("apps", kind, name);
    CHECK(parent["spec"]["replicas"] == 0);
    CHECK(parent["metadata"]["generation"] == 2);
  }
}
