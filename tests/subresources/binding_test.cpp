// pods/binding: the scheduler's way to set spec.nodeName, once.
#include "api/json_path.h"
#include "registry_fixture.h"
#include "server/apiserver/subresources/binding.h"

using namespace mk::apiserver;
using namespace mk::apiserver::test;

namespace {

json binding(const std::string& pod, const std::string& node) {
  return json{{"apiVersion", "v1"},
              {"kind", "Binding"},
              {"metadata", {{"name", pod}, {"namespace", "default"}}},
              {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
}

std::string condition(const json& pod, const std::string& type) {
  for (const auto& c : pod["status"].value("conditions", json::array()))
    if (c.value("type", "") == type) return c.value("status", "");
  return "";
}

}  // namespace

TEST_CASE("a binding sets nodeName once; the second one conflicts", "[binding]") {
  RegistryFixture f;
  f.must_create("", "Pod", pod("web"));
  auto r = bind_pod(f.registry(), "default", "web", binding("web", "node1"), RegistryFixture::options());
  REQUIRE(r);
  CHECK((*r)["kind"] == "Status");
  CHECK((*r)["status"] == "Success");
  CHECK((*r)["code"] == 201);
  json p = f.must_get("", "Pod", "web");
  CHECK(p["spec"]["nodeName"] == "node1");
  CHECK(condition(p, "PodScheduled") == "True");

  auto again = bind_pod(f.registry(), "default", "web", binding("web", "node2"), RegistryFixture::options());
  REQUIRE(!again);
  CHECK(again.error().code == 409);
  CHECK(again.error().reason == "Conflict");
  CHECK(again.error().message ==
        "Operation cannot be fulfilled on pods/binding \"web\": pod web is already assigned to node \"node1\"");
  CHECK(f.must_get("", "Pod", "web")["spec"]["nodeName"] == "node1");
}

TEST_CASE("a binding is checked before anything is written", "[binding]") {
  RegistryFixture f;
  f.must_create("", "Pod", pod("web"));
  auto renamed = bind_pod(f.registry(), "default", "web", binding("api", "node1"), RegistryFixture::options());
  REQUIRE(!renamed);
  CHECK(renamed.error().code == 400);
  CHECK(renamed.error().message == "name in URL does not match name in Binding object");

  json no_target = binding("web", "");
  auto r = bind_pod(f.registry(), "default", "web", no_target, RegistryFixture::options());
  REQUIRE(!r);
  CHECK(r.error().code == 422);
  CHECK(r.error().message == "Binding \"web\" is invalid: target.name: Required value");

  json to_pod = binding("web", "x");
  to_pod["target"]["kind"] = "Pod";
  auto k = bind_pod(f.registry(), "default", "web", to_pod, RegistryFixture::options());
  REQUIRE(!k);
  CHECK(k.error().code == 422);

  auto missing = bind_pod(f.registry(), "default", "nope", binding("nope", "node1"), RegistryFixture::options());
  REQUIRE(!missing);
  CHECK(missing.error().code == 404);

  json wrong_uid = binding("web", "node1");
  wrong_uid["metadata"]["uid"] = "not-the-uid";
  auto u = bind_pod(f.registry(), "default", "web", wrong_uid, RegistryFixture::options());
  REQUIRE(!u);
  CHECK(u.error().code == 409);

  WriteOptions dry = RegistryFixture::options();
  dry.dry_run = true;
  REQUIRE(bind_pod(f.registry(), "default", "web", binding("web", "node1"), dry));
  CHECK(mk::api::string_at(f.must_get("", "Pod", "web"), "spec.nodeName").empty());
}
