// pods/eviction: deletes the pod unless its PodDisruptionBudget would be broken (429), with
// the budget read from a controller's status when current, else computed from Ready pods.
#include "api/json_path.h"
#include "registry_fixture.h"
#include "server/apiserver/subresources/binding.h"
#include "server/apiserver/subresources/eviction.h"

using namespace mk::apiserver;
using namespace mk::apiserver::test;

namespace {

json eviction(const std::string& pod, json delete_options = nullptr) {
  json e = {{"apiVersion", "policy/v1"}, {"kind", "Eviction"}, {"metadata", {{"name", pod}, {"namespace", "default"}}}};
  if (!delete_options.is_null()) e["deleteOptions"] = std::move(delete_options);
  return e;
}

json budget(const std::string& name, const char* field, json value) {
  return json{{"apiVersion", "policy/v1"},
              {"kind", "PodDisruptionBudget"},
              {"metadata", {{"name", name}}},
              {"spec", {{field, std::move(value)}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}}};
}

// A running, Ready pod of app=web.
void ready_pod(RegistryFixture& f, const std::string& name, bool ready = true) {
  f.must_create("", "Pod", pod(name, {{"app", "web"}}));
  f.must_set_status("", "Pod", name,
                    {{"phase", "Running"}, {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}});
}

void check_refused(const ApiResult<json>& r, const std::string& cause) {
  REQUIRE(!r);
  CHECK(r.error().code == 429);
  CHECK(r.error().reason == "TooManyRequests");
  CHECK(r.error().message == "Cannot evict pod as it would violate the pod's disruption budget.");
  REQUIRE(r.error().causes.size() == 1);
  CHECK(r.error().causes[0].reason == "DisruptionBudget");
  CHECK(r.error().causes[0].message == cause);
  json status = r.error().to_status();
  CHECK(status["details"]["causes"][0]["reason"] == "DisruptionBudget");
}

}  // namespace

TEST_CASE("a pod no budget covers is evicted", "[eviction]") {
  RegistryFixture f;
  ready_pod(f, "web-1");
  auto r = evict_pod(f.registry(), "default", "web-1", eviction("web-1"), false);
  REQUIRE(r);
  CHECK((*r)["status"] == "Success");
  CHECK((*r)["code"] == 201);
  CHECK_FALSE(f.exists("", "Pod", "web-1"));

  auto missing = evict_pod(f.registry(), "default", "web-1", eviction("web-1"), false);
  REQUIRE(!missing);
  CHECK(missing.error().code == 404);
  auto renamed = evict_pod(f.registry(), "default", "web-1", eviction("other"), false);
  REQUIRE(!renamed);
  CHECK(renamed.error().code == 400);
}

TEST_CASE("minAvailable: evictions stop when the budget would be broken", "[eviction]") {
  RegistryFixture f;
  for (const char* n : {"web-1", "web-2", "web-3"}) ready_pod(f, n);
  f.must_create("policy", "PodDisruptionBudget", budget("web-pdb", "minAvailable", 2));

  REQUIRE(evict_pod(f.registry(), "default", "web-1", eviction("web-1"), false));
  CHECK_FALSE(f.exists("", "Pod", "web-1"));
  check_refused(evict_pod(f.registry(), "default", "web-2", eviction("web-2"), false),
                "The disruption budget web-pdb needs 2 healthy pods and has 2 currently");
  CHECK(f.exists("", "Pod", "web-2"));
}

TEST_CASE("maxUnavailable as a percentage; a pod being deleted no longer counts as healthy", "[eviction]") {
  RegistryFixture f;
  for (const char* n : {"web-1", "web-2", "web-3", "web-4"}) {
    ready_pod(f, n);
    json b = {{"apiVersion", "v1"}, {"kind", "Binding"}, {"metadata", {{"name", n}}}, {"target", {{"name", "node1"}}}};
    REQUIRE(bind_pod(f.registry(), "default", n, b, RegistryFixture::options()));
  }
  // 25% of 4 pods: one may be unavailable.
  f.must_create("policy", "PodDisruptionBudget", budget("web-pdb", "maxUnavailable", "25%"));
  REQUIRE(evict_pod(f.registry(), "default", "web-1", eviction("web-1"), false));
  // Bound pods end gracefully: web-1 stays, being deleted.
  json evicted = f.must_get("", "Pod", "web-1");
  CHECK(evicted["metadata"].contains("deletionTimestamp"));
  check_refused(evict_pod(f.registry(), "default", "web-2", eviction("web-2"), false),
                "The disruption budget web-pdb needs 3 healthy pods and has 3 currently");
}

TEST_CASE("the Eviction's DeleteOptions are honoured", "[eviction]") {
  RegistryFixture f;
  ready_pod(f, "web-1");
  json b = {{"apiVersion", "v1"}, {"kind", "Binding"}, {"metadata", {{"name", "web-1"}}}, {"target", {{"name", "node1"}}}};
  REQUIRE(bind_pod(f.registry(), "default", "web-1", b, RegistryFixture::options()));

  auto wrong_uid = evict_pod(f.registry(), "default", "web-1", eviction("web-1", {{"preconditions", {{"uid", "nope"}}}}), false);
  REQUIRE(!wrong_uid);
  CHECK(wrong_uid.error().code == 409);

  REQUIRE(evict_pod(f.registry(), "default", "web-1", eviction("web-1", {{"dryRun", {"All"}}}), false));
  CHECK_FALSE(f.must_get("", "Pod", "web-1")["metadata"].contains("deletionTimestamp"));

  // A bound pod would wait out its grace period; gracePeriodSeconds=0 removes it at once.
  REQUIRE(evict_pod(f.registry(), "default", "web-1", eviction("web-1", {{"gracePeriodSeconds", 0}}), false));
  CHECK_FALSE(f.exists("", "Pod", "web-1"));
}

TEST_CASE("a budget's status, once a controller maintains it, is used and consumed", "[eviction]") {
  RegistryFixture f;
  for (const char* n : {"web-1", "web-2"}) ready_pod(f, n);
  json pdb = f.must_create("policy", "PodDisruptionBudget", budget("web-pdb", "minAvailable", 1));
  f.must_set_status("policy", "PodDisruptionBudget", "web-pdb",
                    {{"observedGeneration", pdb["metadata"]["generation"]},
                     {"disruptionsAllowed", 1},
                     {"currentHealthy", 2},
                     {"desiredHealthy", 1},
                     {"expectedPods", 2}});
  REQUIRE(evict_pod(f.registry(), "default", "web-1", eviction("web-1"), false));
  json after = f.must_get("policy", "PodDisruptionBudget", "web-pdb");
  CHECK(after["status"]["disruptionsAllowed"] == 0);
  CHECK(after["status"]["disruptedPods"].contains("web-1"));
  // The status still says one disruption is used up, whatever the pods look like now.
  check_refused(evict_pod(f.registry(), "default", "web-2", eviction("web-2"), false),
                "The disruption budget web-pdb needs 1 healthy pods and has 2 currently");
}

TEST_CASE("pods that are not Ready, or not running, are evicted past the budget when it allows", "[eviction]") {
  RegistryFixture f;
  ready_pod(f, "web-1");
  ready_pod(f, "web-2");
  ready_pod(f, "web-3", false);
  f.must_create("policy", "PodDisruptionBudget", budget("web-pdb", "minAvailable", 2));
  // Two healthy pods meet minAvailable=2: the unready one may go, the ready ones may not.
  check_refused(evict_pod(f.registry(), "default", "web-1", eviction("web-1"), false),
                "The disruption budget web-pdb needs 2 healthy pods and has 2 currently");
  REQUIRE(evict_pod(f.registry(), "default", "web-3", eviction("web-3"), false));
  // A pod that never started is not a disruption.
  f.must_create("", "Pod", pod("web-4", {{"app", "web"}}));
  REQUIRE(evict_pod(f.registry(), "default", "web-4", eviction("web-4"), false));
}

TEST_CASE("two budgets over one pod cannot be decided", "[eviction]") {
  RegistryFixture f;
  ready_pod(f, "web-1");
  f.must_create("policy", "PodDisruptionBudget", budget("a", "minAvailable", 0));
  f.must_create("policy", "PodDisruptionBudget", budget("b", "minAvailable", 0));
  auto r = evict_pod(f.registry(), "default", "web-1", eviction("web-1"), false);
  REQUIRE(!r);
  CHECK(r.error().code == 500);
  CHECK(r.error().message ==
        "Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
}
