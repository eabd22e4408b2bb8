// The deployment controller's pure rules: template hash and ReplicaSet names, maxSurge and
// maxUnavailable, and one rolling-update step.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "server/controllers/deployment_util.h"

using nlohmann::json;
using namespace mk::controllers;

namespace {
json template_with_image(const std::string& image) {
  return {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", json::array({{{"name", "web"}, {"image", image}}})}}}};
}
}  // namespace

TEST_CASE("fnv32a and safe encoding") {
  CHECK(fnv32a("") == 2166136261u);
  CHECK(fnv32a("a") == 0xe40c292cu);
  CHECK(safe_encode("0123456789") == "456789bcdf");
}

TEST_CASE("template hash: stable, ignores its own label, changes with the template and collisions") {
  json t = template_with_image("nginx:1.25");
  std::string h = template_hash(t);
  CHECK_FALSE(h.empty());
  CHECK(h.find_first_not_of("bcdfghjklmnpqrstvwxz2456789") == std::string::npos);
  CHECK(template_hash(t) == h);
  json labelled = t;
  labelled["metadata"]["labels"][kPodTemplateHashLabel] = h;
  CHECK(template_hash(labelled) == h);
  CHECK(templates_equal_ignoring_hash(t, labelled));
  CHECK(template_hash(template_with_image("nginx:1.26")) != h);
  CHECK_FALSE(templates_equal_ignoring_hash(t, template_with_image("nginx:1.26")));
  CHECK(template_hash(t, 1) != h);
  CHECK(replicaset_name("web", h) == "web-" + h);
}

TEST_CASE("fenceposts: percentages round surge up and unavailable down, never both zero") {
  json s = "25%", u = "25%";
  auto f = resolve_fenceposts(&s, &u, 10);
  CHECK(f.max_surge == 3);
  CHECK(f.max_unavailable == 2);
  f = resolve_fenceposts(nullptr, nullptr, 1);
  CHECK(f.max_surge == 1);
  CHECK(f.max_unavailable == 0);
  json zero = 0;
  f = resolve_fenceposts(&zero, &zero, 3);
  CHECK(f.max_surge == 0);
  CHECK(f.max_unavailable == 1);
  json two = 2;
  f = resolve_fenceposts(&two, &zero, 3);
  CHECK(f.max_surge == 2);
  CHECK(f.max_unavailable == 0);
}

TEST_CASE("rolling update: the new ReplicaSet grows by the surge room") {
  CHECK(new_rs_replicas(3, 1, 3, 0) == 1);  // 3 old + 1 surge
  CHECK(new_rs_replicas(3, 1, 4, 1) == 1);  // at the ceiling already
  CHECK(new_rs_replicas(3, 1, 3, 1) == 2);  // old shrank by one
  CHECK(new_rs_replicas(3, 5, 3, 0) == 3);  // never past replicas
  CHECK(new_rs_replicas(3, 1, 5, 4) == 3);  // more than wanted: back to replicas
}

TEST_CASE("rolling update: old ReplicaSets shrink while availability holds") {
  // 3 replicas, maxUnavailable 0: the old set goes down only as new pods become available.
  CHECK(scale_down_old({{3, 3}}, {1, 0}, 3, 0) == std::vector<int64_t>{3});
  CHECK(scale_down_old({{3, 3}}, {1, 1}, 3, 0) == std::vector<int64_t>{2});
  // maxUnavailable 1: one old pod may go at once.
  CHECK(scale_down_old({{3, 3}}, {1, 0}, 3, 1) == std::vector<int64_t>{2});
  // Unhealthy old pods go first and cost nothing; oldest sets shrink first.
  CHECK(scale_down_old({{2, 0}, {2, 2}}, {1, 1}, 3, 0) == std::vector<int64_t>{0, 2});
  CHECK(scale_down_old({{1, 1}, {2, 2}}, {3, 3}, 3, 0) == std::vector<int64_t>{0, 0});
}
