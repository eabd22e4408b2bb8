// Mirror pods of static pod manifests, as the kubelet makes them.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "agent/kubelet/static_pods.h"

using namespace mk::agent::kubelet;
using nlohmann::json;

TEST_CASE("a static pod's mirror pod") {
  json manifest = {{"apiVersion", "v1"},
                   {"kind", "Pod"},
                   {"metadata", {{"name", "web"}}},
                   {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}}};
  auto mirror = mirror_pod(manifest, "Node1", "node-uid", "2026-01-01T00:00:00Z");
  REQUIRE(mirror);
  CHECK((*mirror)["metadata"]["name"] == "web-node1");
  CHECK((*mirror)["metadata"]["namespace"] == "default");
  CHECK((*mirror)["spec"]["nodeName"] == "Node1");
  const json& a = (*mirror)["metadata"]["annotations"];
  CHECK(a["kubernetes.io/config.mirror"] == a["kubernetes.io/config.hash"]);
  CHECK(a["kubernetes.io/config.source"] == "file");
  CHECK(a["kubernetes.io/config.hash"].get<std::string>().size() == 32);
  CHECK((*mirror)["metadata"]["ownerReferences"][0]["kind"] == "Node");
  CHECK((*mirror)["metadata"]["ownerReferences"][0]["uid"] == "node-uid");
  CHECK((*mirror)["spec"]["tolerations"][0]["operator"] == "Exists");

  // The hash follows the content.
  json changed = manifest;
  changed["spec"]["containers"][0]["image"] = "busybox:2";
  auto other = mirror_pod(changed, "Node1", "node-uid", "2026-01-01T00:00:00Z");
  REQUIRE(other);
  CHECK((*other)["metadata"]["annotations"]["kubernetes.io/config.hash"] != a["kubernetes.io/config.hash"]);

  CHECK_FALSE(mirror_pod(json{{"kind", "Deployment"}}, "n", "", ""));
  CHECK_FALSE(mirror_pod(json{{"kind", "Pod"}, {"metadata", json::object()}, {"spec", json::object()}}, "n", "", ""));
}
