#include <catch2/catch.hpp>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/qos.h"

using namespace mk::runtime::cgroup;

namespace {
constexpr int64_t Mi = 1024 * 1024;
constexpr int64_t Gi = 1024 * Mi;
}  // namespace

TEST_CASE("shares_to_weight follows the quadratic mapping") {
  CHECK(shares_to_weight(0) == 1);
  CHECK(shares_to_weight(2) == 1);
  CHECK(shares_to_weight(102) == 17);
  CHECK(shares_to_weight(256) == 35);
  CHECK(shares_to_weight(512) == 59);
  CHECK(shares_to_weight(1024) == 100);
  CHECK(shares_to_weight(2048) == 174);
  CHECK(shares_to_weight(4096) == 303);
  CHECK(shares_to_weight(262144) == 10000);
  CHECK(shares_to_weight(1u << 30) == 10000);
  // Monotonic and inside cpu.weight's range [1, 10000] everywhere.
  uint64_t last = 0;
  for (uint64_t s = 2; s <= 262144; s += 97) {
    uint64_t w = shares_to_weight(s);
    CHECK(w >= last);
    CHECK(w >= 1);
    CHECK(w <= 10000);
    last = w;
  }
}

TEST_CASE("qos: no requests or limits anywhere is BestEffort") {
  CHECK(qos_class({}) == QosClass::best_effort);
  CHECK(qos_class({ContainerRequests{}, ContainerRequests{}}) == QosClass::best_effort);
  // Zero quantities count as not given.
  CHECK(qos_class({ContainerRequests{0, 0, 0, 0}}) == QosClass::best_effort);
}

TEST_CASE("qos: equal requests and limits on every container is Guaranteed") {
  ContainerRequests c{500, 500, 256 * Mi, 256 * Mi};
  CHECK(qos_class({c}) == QosClass::guaranteed);
  CHECK(qos_class({c, ContainerRequests{100, 100, 64 * Mi, 64 * Mi}}) == QosClass::guaranteed);
  // Limits alone: the requests default to them.
  CHECK(qos_class({ContainerRequests{std::nullopt, 1000, std::nullopt, Gi}}) == QosClass::guaranteed);
}

TEST_CASE("qos: anything in between is Burstable") {
  // Request below limit.
  CHECK(qos_class({ContainerRequests{250, 500, 256 * Mi, 256 * Mi}}) == QosClass::burstable);
  // No CPU limit.
  CHECK(qos_class({ContainerRequests{500, std::nullopt, 256 * Mi, 256 * Mi}}) == QosClass::burstable);
  // Only a memory request.
  CHECK(qos_class({ContainerRequests{std::nullopt, std::nullopt, 64 * Mi, std::nullopt}}) == QosClass::burstable);
  // One Guaranteed-looking container beside a BestEffort one.
  CHECK(qos_class({ContainerRequests{500, 500, Gi, Gi}, ContainerRequests{}}) == QosClass::burstable);
  // An explicit zero request with a limit is not defaulted.
  CHECK(qos_class({ContainerRequests{0, 500, Gi, Gi}}) == QosClass::burstable);
}

TEST_CASE("qos: pod cgroup paths as kubelet's cgroupfs driver names them") {
  CHECK(pod_cgroup_path(QosClass::guaranteed, "1234-ab") == "kubepods/pod1234-ab");
  CHECK(pod_cgroup_path(QosClass::burstable, "1234-ab") == "kubepods/burstable/pod1234-ab");
  CHECK(pod_cgroup_path(QosClass::best_effort, "1234-ab") == "kubepods/besteffort/pod1234-ab");
  CHECK(std::string(qos_class_name(QosClass::best_effort)) == "BestEffort");
  CHECK(std::string(qos_class_name(QosClass::guaranteed)) == "Guaranteed");
  CHECK(std::string(qos_class_name(QosClass::burstable)) == "Burstable");
}

TEST_CASE("qos: oom_score_adj per class") {
  CHECK(oom_score_adj(QosClass::guaranteed, Gi, 8 * Gi) == -997);
  CHECK(oom_score_adj(QosClass::best_effort, 0, 8 * Gi) == 1000);
  // 1000 - 1000 * 2Gi / 8Gi.
  CHECK(oom_score_adj(QosClass::burstable, 2 * Gi, 8 * Gi) == 750);
  // Integer division truncates as kubelet's does: 1000 - 1000*100/3000 = 1000 - 33.
  CHECK(oom_score_adj(QosClass::burstable, 100, 3000) == 967);
  // No memory request: one below BestEffort.
  CHECK(oom_score_adj(QosClass::burstable, 0, 8 * Gi) == 999);
  // Requesting (nearly) the whole machine: still above Guaranteed.
  CHECK(oom_score_adj(QosClass::burstable, 8 * Gi, 8 * Gi) == 3);
  CHECK(oom_score_adj(QosClass::burstable, 16 * Gi, 8 * Gi) == 3);
  CHECK(oom_score_adj(QosClass::burstable, 8 * Gi - 1, 8 * Gi) == 3);
  // Huge values do not overflow.
  CHECK(oom_score_adj(QosClass::burstable, INT64_MAX, INT64_MAX) == 3);
}
