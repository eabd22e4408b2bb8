// The shape of every served kind's columns, and cells that never fail on odd objects.

#include <catch2/catch.hpp>

#include <set>

#include "api/kinds/kind_info.h"
#include "printers_test_util.h"

using nlohmann::json;

namespace {

const std::set<std::string> kTypes = {"string", "integer", "number", "boolean", "date"};

// Kinds without a printer upstream: they keep the default Name / Created At columns. The
// reviews are never listed, but have the defaults all the same.
const std::set<std::string> kDefaultPrinted = {"LimitRange", "Role", "ClusterRole", "CustomResourceDefinition",
                                               "SelfSubjectReview", "TokenReview", "SelfSubjectAccessReview",
                                               "SelfSubjectRulesReview", "SubjectAccessReview"};

}  // namespace

TEST_CASE("every served kind leads with its name column") {
  const auto& registry = mk::api::KindRegistry::builtin();
  REQUIRE(registry.all().size() >= 33);
  for (const auto& k : registry.all()) {
    CAPTURE(k.group, k.kind);
    REQUIRE_FALSE(k.columns.empty());
    const auto own = mk::api::printer_columns(k.group, k.kind);
    CHECK(own.empty() == (kDefaultPrinted.count(k.kind) == 1));

    if (k.kind == "Event") {
      CHECK(k.columns.front().name == "Last Seen");
      CHECK(k.columns.back().name == "Name");
      CHECK(k.columns.back().format == "name");
    } else {
      CHECK(k.columns.front().name == "Name");
      CHECK(k.columns.front().format == "name");
      CHECK(k.columns.front().type == "string");
    }
    std::set<std::string> names;
    int name_format_columns = 0;
    for (const auto& c : k.columns) {
      CAPTURE(c.name);
      CHECK(kTypes.count(c.type) == 1);
      CHECK((c.priority == 0 || c.priority == 1));
      CHECK_FALSE(c.description.empty());
      CHECK(static_cast<bool>(c.cell));
      CHECK(names.insert(c.name).second);
      if (c.format == "name") ++name_format_columns;
    }
    CHECK(name_format_columns == 1);
  }
}

TEST_CASE("kinds without a printer of their own") {
  for (const auto& [group, kind] :
       std::vector<std::pair<std::string, std::string>>{{"", "LimitRange"},
                                                        {"rbac.authorization.k8s.io", "Role"},
                                                        {"rbac.authorization.k8s.io", "ClusterRole"},
                                                        {"apiextensions.k8s.io", "CustomResourceDefinition"},
                                                        {"apps", "Pod"},
                                                        {"", "Widget"}}) {
    CAPTURE(group, kind);
    CHECK(mk::api::printer_columns(group, kind).empty());
  }
  const auto* role = mk::api::KindRegistry::builtin().by_kind("rbac.authorization.k8s.io", "v1", "Role");
  REQUIRE(role != nullptr);
  REQUIRE(role->columns.size() == 2);
  CHECK(role->columns[1].name == "Created At");
  CHECK(role->columns[1].type == "date");
}

TEST_CASE("odd objects print placeholders instead of failing") {
  // Missing sections, wrong JSON types at every level, nulls where objects belong.
  const std::vector<json> odd = {
      json(),
      json::array(),
      json("pod"),
      json::object(),
      {{"metadata", nullptr}, {"spec", nullptr}, {"status", nullptr}},
      {{"metadata", 5}, {"spec", "x"}, {"status", json::array()}},
      {{"metadata",
        {{"name", 7},
         {"creationTimestamp", "not a time"},
         {"labels", "x"},
         {"annotations", {1, 2}},
         {"ownerReferences", {1, "x", {{"controller", "yes"}}}},
         {"deletionTimestamp", 3}}},
       {"spec",
        {{"containers", {1, nullptr, {{"name", 3}}}},
         {"initContainers", "x"},
         {"ports", {{{"port", "http"}}}},
         {"selector", "app=web"},
         {"replicas", "3"},
         {"rules", {nullptr}},
         {"tls", 1},
         {"podSelector", 4},
         {"parameters", "x"},
         {"capacity", {{"storage", "lots"}}},
         {"accessModes", "RWO"},
         {"claimRef", 1},
         {"minAvailable", {1}},
         {"completions", "x"},
         {"jobTemplate", 1},
         {"readinessGates", {1}}}},
       {"status",
        {{"containerStatuses",
          {1,
           {{"state", "running"}},
           {{"state", {{"terminated", 5}}}},
           {{"state", {{"waiting", {{"reason", 4}}}}},
            {"lastState", {{"terminated", {{"finishedAt", 9}}}}}}}},
         {"initContainerStatuses", {{{"state", {{"terminated", {{"exitCode", "1"}}}}}}}},
         {"conditions", {nullptr, 1}},
         {"hard", {{"cpu", 1}, {"memory", nullptr}}},
         {"used", "x"},
         {"loadBalancer", {{"ingress", {1, {{"ip", 2}}}}}},
         {"addresses", nullptr},
         {"nodeInfo", 1}}},
       {"subsets", {{{"addresses", {1}}, {"ports", {1}}}, 2}},
       {"endpoints", {{{"addresses", {1, nullptr}}}}},
       {"subjects", {1, {{"kind", 2}}}},
       {"roleRef", 1},
       {"involvedObject", "x"},
       {"series", 1},
       {"data", 1},
       {"secrets", {{"a", 1}}},
       {"value", "high"},
       {"revision", "2"}},
  };
  for (const auto& k : mk::api::KindRegistry::builtin().all()) {
    CAPTURE(k.kind);
    for (const auto& object : odd) {
      CAPTURE(object.dump());
      for (const auto& c : k.columns) {
        CAPTURE(c.name);
        json cell;
        REQUIRE_NOTHROW(cell = c.cell(object));
        CHECK((cell.is_string() || cell.is_number() || cell.is_boolean()));
      }
    }
  }
  SECTION("what the placeholders are") {
    CHECK(printers_test::row("", "Pod", json::object()) ==
          json{"", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"});
    CHECK(printers_test::row("", "Service", json::object()) ==
          json{"", "ClusterIP", "<none>", "<none>", "<none>", "<unknown>", "<none>"});
    CHECK(printers_test::row("apps", "Deployment", json::object()) ==
          json{"", "0/1", 0, 0, "<unknown>", "", "", ""});
  }
}
