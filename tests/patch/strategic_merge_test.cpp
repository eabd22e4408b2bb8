// Strategic merge patch: each case is a live object, the patch a client sends and the object the
// documented rules produce.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/schema/schema.h"
#include "server/apiserver/merge/strategic_merge.h"

using nlohmann::json;
using mk::apiserver::strategic_merge;

namespace {

const mk::api::schema::TypeDef& type_of(const std::string& kind) {
  const auto* t = mk::api::schema::Schema::builtin().find(kind);
  REQUIRE(t != nullptr);
  return *t;
}

bool has_directive_key(const json& v) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.items()) {
      if (!k.empty() && k[0] == '$') return true;
      if (has_directive_key(child)) return true;
    }
  } else if (v.is_array()) {
    for (const auto& child : v) {
      if (has_directive_key(child)) return true;
    }
  }
  return false;
}

struct Case {
  const char* name;
  const char* kind;
  const char* original;
  const char* patch;
  const char* expected;
};

const Case cases[] = {
    {"containers merge by name: one changed, one added", "Pod",
     R"({"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1","args":["x"]}]}})",
     R"({"spec":{"containers":[{"name":"b","image":"b:2"},{"name":"c","image":"c:1"}]}})",
     R"({"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:2","args":["x"]},
                               {"name":"c","image":"c:1"}]}})"},

    {"env by name: null inside an item, $patch delete of another", "Pod",
     R"({"spec":{"containers":[{"name":"app","image":"x","env":[{"name":"A","value":"1"},{"name":"B","value":"2"},
                                                             {"name":"C","value":"3"}]}]}})",
     R"({"spec":{"containers":[{"name":"app","env":[{"name":"A","value":null},{"$patch":"delete","name":"B"}]}]}})",
     R"({"spec":{"containers":[{"name":"app","image":"x","env":[{"name":"A"},{"name":"C","value":"3"}]}]}})"},

    {"ports by containerPort", "Pod",
     R"({"spec":{"containers":[{"name":"app","ports":[{"containerPort":80,"name":"http"}]}]}})",
     R"({"spec":{"containers":[{"name":"app","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443}]}]}})",
     R"({"spec":{"containers":[{"name":"app","ports":[{"containerPort":80,"name":"http","protocol":"TCP"},
                                                   {"containerPort":443}]}]}})"},

    {"volumes: $retainKeys switches emptyDir to configMap", "Pod",
     R"({"spec":{"volumes":[{"name":"data","emptyDir":{}},{"name":"s","secret":{"secretName":"s"}}]}})",
     R"({"spec":{"volumes":[{"$retainKeys":["configMap","name"],"name":"data","configMap":{"name":"cm"}}]}})",
     R"({"spec":{"volumes":[{"name":"data","configMap":{"name":"cm"}},{"name":"s","secret":{"secretName":"s"}}]}})"},

    {"$setElementOrder/containers: listed first in order, the rest after", "Pod",
     R"({"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}})",
     R"({"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"}],"containers":[{"name":"c","image":"c:2"}]}})",
     R"({"spec":{"containers":[{"name":"c","image":"c:2"},{"name":"a"},{"name":"b"}]}})"},

    {"$setElementOrder/containers puts a new item before an existing one", "Pod",
     R"({"spec":{"containers":[{"name":"nginx","image":"nginx"}]}})",
     R"({"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"nginx"}],
                 "containers":[{"name":"sidecar","image":"busybox"}]}})",
     R"({"spec":{"containers":[{"name":"sidecar","image":"busybox"},{"name":"nginx","image":"nginx"}]}})"},

    {"$setElementOrder on a primitive list", "Pod",
     R"({"metadata":{"finalizers":["a","b","c"]}})",
     R"({"metadata":{"$setElementOrder/finalizers":["b","c","a"]}})",
     R"({"metadata":{"finalizers":["b","c","a"]}})"},

    {"finalizers: $deleteFromPrimitiveList and union", "Pod",
     R"({"metadata":{"finalizers":["a","b","c"]}})",
     R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],"finalizers":["a","d"]}})",
     R"({"metadata":{"finalizers":["a","c","d"]}})"},

    {"$patch: replace on a map", "Deployment",
     R"({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"selector":{"matchLabels":{"app":"x"},
                                                        "matchExpressions":[{"key":"k","operator":"Exists"}]}}})",
     R"({"metadata":{"labels":{"$patch":"replace","c":"3"}},"spec":{"selector":{"$patch":"replace","matchLabels":{"app":"y"}}}})",
     R"({"metadata":{"labels":{"c":"3"}},"spec":{"selector":{"matchLabels":{"app":"y"}}}})"},

    {"$patch: replace as a list item", "Pod",
     R"({"metadata":{"finalizers":["a","b"]},"spec":{"containers":[{"name":"a","image":"a"},{"name":"b"}]}})",
     R"({"metadata":{"finalizers":[{"$patch":"replace"},"x"]},"spec":{"containers":[{"$patch":"replace"},{"name":"z","image":"z"}]}})",
     R"({"metadata":{"finalizers":["x"]},"spec":{"containers":[{"name":"z","image":"z"}]}})"},

    {"$patch: delete on a map removes it", "Deployment",
     R"({"spec":{"replicas":1,"strategy":{"type":"Recreate"}}})",
     R"({"spec":{"strategy":{"$patch":"delete"}}})",
     R"({"spec":{"replicas":1}})"},

    {"deployment strategy: $retainKeys drops rollingUpdate", "Deployment",
     R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}})",
     R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})",
     R"({"spec":{"strategy":{"type":"Recreate"}}})"},

    {"kubectl client-side apply body (add sidecar, drop env, ports 80 -> 80,443, image, replicas)", "Deployment",
     R"({"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"web","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"old\n"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
                 "template":{"metadata":{"labels":{"app":"web"}},
                             "spec":{"containers":[{"name":"nginx","image":"nginx:1.27",
                                                    "env":[{"name":"MODE","value":"x"}],
                                                    "ports":[{"containerPort":80,"protocol":"TCP"}],
                                                    "imagePullPolicy":"IfNotPresent"}]}}}})",
     R"({"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{...}\n"}},
         "spec":{"replicas":3,"template":{"spec":{
           "$setElementOrder/containers":[{"name":"sidecar"},{"name":"nginx"}],
           "containers":[{"image":"busybox","name":"sidecar"},
                         {"$setElementOrder/ports":[{"containerPort":80},{"containerPort":443}],
                          "env":null,"image":"nginx:1.28","name":"nginx","ports":[{"containerPort":443}]}]}}}})",
     R"({"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"web","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{...}\n"}},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
                 "template":{"metadata":{"labels":{"app":"web"}},
                             "spec":{"containers":[{"name":"sidecar","image":"busybox"},
                                                   {"name":"nginx","image":"nginx:1.28",
                                                    "ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443}],
                                                    "imagePullPolicy":"IfNotPresent"}]}}}})"},

    {"kubectl set image", "Deployment",
     R"({"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"},{"name":"log","image":"fluent"}]}}}})",
     R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"image":"nginx:1.30","name":"nginx"}]}}}})",
     R"({"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.30"},{"name":"log","image":"fluent"}]}}}})"},

    {"map key deleted by null", "Deployment",
     R"({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"paused":true,"replicas":2}})",
     R"({"metadata":{"labels":{"a":null}},"spec":{"paused":null}})",
     R"({"metadata":{"labels":{"b":"2"}},"spec":{"replicas":2}})"},

    {"labels merge", "Deployment",
     R"({"metadata":{"labels":{"a":"1"}}})",
     R"({"metadata":{"labels":{"b":"2"},"annotations":{"x":"y"}}})",
     R"({"metadata":{"labels":{"a":"1","b":"2"},"annotations":{"x":"y"}}})"},

    {"lists without a strategy are replaced", "Pod",
     R"({"spec":{"tolerations":[{"key":"a"}],"containers":[{"name":"c","args":["1","2"],"command":["sh"]}]}})",
     R"({"spec":{"tolerations":[{"key":"b"}],"containers":[{"name":"c","args":["3"]}]}})",
     R"({"spec":{"tolerations":[{"key":"b"}],"containers":[{"name":"c","args":["3"],"command":["sh"]}]}})"},

    {"rollout restart annotation on a template without annotations", "Deployment",
     R"({"spec":{"template":{"metadata":{"labels":{"app":"web"}}}}})",
     R"({"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-24T03:04:45Z"}}}}})",
     R"({"spec":{"template":{"metadata":{"labels":{"app":"web"},
                                          "annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-24T03:04:45Z"}}}}})"},

    {"unknown fields follow merge-patch rules", "Deployment",
     R"({"spec":{"extra":{"keep":1,"drop":2,"list":[1,2]}}})",
     R"({"spec":{"extra":{"drop":null,"add":3,"list":[3]}}})",
     R"({"spec":{"extra":{"keep":1,"add":3,"list":[3]}}})"},

    {"new subtrees drop their nulls and directives", "Deployment",
     R"({"spec":{}})",
     R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],
                                     "containers":[{"name":"a","image":null,"env":[{"name":"X","value":"1"}]}]}}}})",
     R"({"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"}]}]}}}})"},

    {"node conditions merge by type", "Node",
     R"({"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"DiskPressure","status":"False"}]}})",
     R"({"status":{"conditions":[{"type":"Ready","status":"True"}]}})",
     R"({"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"DiskPressure","status":"False"}]}})"},

    {"service ports merge by port", "Service",
     R"({"spec":{"ports":[{"port":80,"targetPort":8080}],"selector":{"app":"a","tier":"x"}}})",
     R"({"spec":{"ports":[{"port":80,"targetPort":9090},{"port":443}],"selector":{"tier":null}}})",
     R"({"spec":{"ports":[{"port":80,"targetPort":9090},{"port":443}],"selector":{"app":"a"}}})"},
};

}  // namespace

TEST_CASE("strategic merge patch follows the documented rules") {
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto merged = strategic_merge(type_of(c.kind), json::parse(c.original), json::parse(c.patch));
      INFO(c.name);
      REQUIRE(merged.has_value());
      CHECK(merged->dump() == json::parse(c.expected).dump());
      CHECK_FALSE(has_directive_key(*merged));
    }
  }
}

TEST_CASE("strategic merge patch keeps the order of untouched list items") {
  auto merged = strategic_merge(type_of("Pod"),
                                json::parse(R"({"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}})"),
                                json::parse(R"({"spec":{"containers":[{"name":"b","image":"x"}]}})"));
  REQUIRE(merged.has_value());
  CHECK((*merged)["spec"]["containers"] == json::parse(R"([{"name":"a"},{"name":"b","image":"x"},{"name":"c"}])"));
}

TEST_CASE("malformed strategic merge patches are invalid arguments") {
  const json pod = json::parse(R"({"spec":{"containers":[{"name":"a"}],"volumes":[{"name":"v","emptyDir":{}}]}})");
  const char* bad[] = {
      R"([])",
      R"({"spec":{"containers":{"name":"a"}}})",
      R"({"spec":{"containers":"a"}})",
      R"({"spec":{"containers":[{"image":"no-name"}]}})",
      R"({"spec":{"containers":["a"]}})",
      R"({"spec":{"containers":[{"$patch":"delete"}]}})",
      R"({"spec":{"containers":[{"$patch":"explode","name":"a"}]}})",
      R"({"spec":{"$patch":"explode"}})",
      R"({"spec":{"$patch":1}})",
      R"({"spec":{"volumes":[{"$retainKeys":"name","name":"v"}]}})",
      R"({"spec":{"$setElementOrder/containers":{"name":"a"}}})",
      R"({"spec":{"$setElementOrder/containers":["a"]}})",
      R"({"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b"},{"name":"a"}]}})",
      R"({"metadata":{"$deleteFromPrimitiveList/finalizers":"x"}})",
      R"({"metadata":{"finalizers":[["x"]]}})",
      R"({"metadata":"x"})",
  };
  for (const char* p : bad) {
    INFO(p);
    auto merged = strategic_merge(type_of("Pod"), pod, json::parse(p));
    REQUIRE_FALSE(merged.has_value());
    CHECK(merged.error().code == mk::Errc::invalid_argument);
    CHECK(merged.error().message.rfind("strategic merge patch: ", 0) == 0);
  }
}

TEST_CASE("strategic merge patch errors name the field") {
  auto merged = strategic_merge(type_of("Pod"), json::parse(R"({"spec":{}})"),
                                json::parse(R"({"spec":{"containers":[{"name":"a"},{"image":"b"}]}})"));
  REQUIRE_FALSE(merged.has_value());
  CHECK(merged.error().message == "strategic merge patch: spec.containers[1]: item has no merge key \"name\"");
}
