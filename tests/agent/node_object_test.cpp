// What the kubelet reports: the Node, its status and its Lease, from host facts.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "agent/join.h"
#include "agent/kubelet/host_facts.h"
#include "agent/kubelet/node_object.h"

using namespace mk::agent;
using namespace mk::agent::kubelet;
using nlohmann::json;

namespace {

HostFacts facts() {
  HostFacts f;
  f.hostname = "pi";
  f.internal_ip = "192.0.2.10";
  f.cpus = 4;
  f.memory_bytes = 8LL * 1024 * 1024 * 1024;
  f.ephemeral_storage_bytes = 64LL * 1024 * 1024 * 1024;
  f.machine_id = "m";
  f.system_uuid = "u";
  f.boot_id = "b";
  f.kernel_version = "6.6.0";
  f.os_image = "Raspbian GNU/Linux 12 (bookworm)";
  f.architecture = "arm64";
  return f;
}

NodeSettings settings() {
  NodeSettings s;
  s.name = "pi";
  s.kubelet_version = "v1.32.0+minikube";
  s.runtime_version = "minikube://v0.1.0";
  return s;
}

const json* condition(const json& status, const std::string& type) {
  for (const auto& c : status["conditions"])
    if (c["type"] == type) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("machine names map to Go's architecture names") {
  CHECK(go_arch("x86_64") == "amd64");
  CHECK(go_arch("aarch64") == "arm64");
  CHECK(go_arch("armv7l") == "arm");
  CHECK(go_arch("armv6l") == "arm");
}

TEST_CASE("the OS image is os-release's PRETTY_NAME") {
  CHECK(os_image_from("NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n") ==
        "Debian GNU/Linux 12 (bookworm)");
  CHECK(os_image_from("ID=x\n") == "Linux");
}

TEST_CASE("a node carries the well-known labels, and the control plane its roles") {
  json n = make_node(settings(), facts());
  CHECK(n["metadata"]["labels"]["kubernetes.io/arch"] == "arm64");
  CHECK(n["metadata"]["labels"]["kubernetes.io/hostname"] == "pi");
  CHECK_FALSE(n["metadata"]["labels"].contains("node-role.kubernetes.io/control-plane"));
  NodeSettings cp = settings();
  cp.control_plane = true;
  CHECK(make_node(cp, facts())["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == "true");
}

TEST_CASE("node status: capacity, the ten nodeInfo fields, addresses and conditions") {
  json s = node_status(settings(), facts(), "2026-01-01T00:00:00Z", json::object());
  CHECK(s["capacity"]["cpu"] == "4");
  CHECK(s["capacity"]["memory"] == "8388608Ki");
  CHECK(s["capacity"]["pods"] == "110");
  CHECK(s["allocatable"] == s["capacity"]);
  CHECK(s["nodeInfo"].size() == 10);
  CHECK(s["nodeInfo"]["architecture"] == "arm64");
  CHECK(s["addresses"][0] == json{{"type", "InternalIP"}, {"address", "192.0.2.10"}});
  const json* ready = condition(s, "Ready");
  REQUIRE(ready);
  CHECK((*ready)["status"] == "True");
  CHECK((*ready)["reason"] == "KubeletReady");
  for (const char* t : {"MemoryPressure", "DiskPressure", "PIDPressure"}) {
    REQUIRE(condition(s, t));
    CHECK((*condition(s, t))["status"] == "False");
  }
}

TEST_CASE("a heartbeat moves lastHeartbeatTime but keeps lastTransitionTime") {
  json first = node_status(settings(), facts(), "2026-01-01T00:00:00Z", json::object());
  json later = node_status(settings(), facts(), "2026-01-01T00:00:10Z", first);
  CHECK((*condition(later, "Ready"))["lastHeartbeatTime"] == "2026-01-01T00:00:10Z");
  CHECK((*condition(later, "Ready"))["lastTransitionTime"] == "2026-01-01T00:00:00Z");
}

TEST_CASE("the lease is held by the node and owned by it") {
  json l = make_lease("pi", "uid-1", "2026-01-01T00:00:00.000000Z", 40);
  CHECK(l["metadata"]["namespace"] == "kube-node-lease");
  CHECK(l["spec"]["holderIdentity"] == "pi");
  CHECK(l["spec"]["leaseDurationSeconds"] == 40);
  CHECK(l["metadata"]["ownerReferences"][0]["uid"] == "uid-1");
}

TEST_CASE("join tokens: full K10 tokens carry the CA hash, short ones only the password") {
  std::string hash(64, 'a');
  auto full = parse_token("K10" + hash + "::server:secret\n");
  REQUIRE(full);
  CHECK(full->ca_hash == hash);
  CHECK(full->password == "secret");
  auto short_token = parse_token("secret");
  REQUIRE(short_token);
  CHECK(short_token->ca_hash.empty());
  CHECK_FALSE(parse_token("K10abc::server:x"));
  CHECK_FALSE(parse_token("   "));
  CHECK_FALSE(parse_token("K10" + hash + "::server:"));
}
