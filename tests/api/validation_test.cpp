// Name and metadata validation with apimachinery's messages, and how field errors render.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/validation.h"

using nlohmann::json;
using Problems = std::vector<std::string>;

namespace {

const std::string kSubdomainRule =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const std::string kLabelRule =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const std::string kDns1035Rule =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const std::string kNameRule =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const std::string kValueRule =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

std::vector<std::string> rendered(const mk::api::FieldErrors& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(mk::api::to_string(e));
  return out;
}

}  // namespace

TEST_CASE("DNS-1123 subdomains") {
  struct Case {
    std::string value;
    Problems problems;
  };
  const std::vector<Case> cases = {
      {"example.com", {}},
      {"a", {}},
      {"0", {}},
      {"a-b.c-d", {}},
      {std::string(253, 'a'), {}},
      {std::string(254, 'a'), {"must be no more than 253 characters"}},
      {std::string(254, 'A'), {"must be no more than 253 characters", kSubdomainRule}},
      {"", {kSubdomainRule}},
      {"Foo", {kSubdomainRule}},
      {"-a", {kSubdomainRule}},
      {"a-", {kSubdomainRule}},
      {"a..b", {kSubdomainRule}},
      {".a", {kSubdomainRule}},
      {"a_b", {kSubdomainRule}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.value);
    CHECK(mk::api::check_dns1123_subdomain(c.value) == c.problems);
  }
}

TEST_CASE("DNS-1123 and DNS-1035 labels") {
  struct Case {
    std::string value;
    Problems rfc1123;
    Problems rfc1035;
  };
  const std::vector<Case> cases = {
      {"web", {}, {}},
      {"a1-b2", {}, {}},
      {std::string(63, 'a'), {}, {}},
      {std::string(64, 'a'), {"must be no more than 63 characters"}, {"must be no more than 63 characters"}},
      {"1abc", {}, {kDns1035Rule}},
      {"a.b", {"must not contain dots"}, {kDns1035Rule}},
      {"A", {kLabelRule}, {kDns1035Rule}},
      {"-a", {kLabelRule}, {kDns1035Rule}},
      {"a-", {kLabelRule}, {kDns1035Rule}},
      {"", {kLabelRule}, {kDns1035Rule}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.value);
    CHECK(mk::api::check_dns1123_label(c.value) == c.rfc1123);
    CHECK(mk::api::check_dns1035_label(c.value) == c.rfc1035);
  }
}

TEST_CASE("qualified names and label values") {
  struct Case {
    std::string value;
    Problems problems;
  };
  const std::vector<Case> names = {
      {"app", {}},
      {"MyName", {}},
      {"my.name_x-1", {}},
      {"example.com/MyName", {}},
      {"kubernetes.io/hostname", {}},
      {std::string(63, 'a'), {}},
      {std::string(64, 'a'), {"name part must be no more than 63 characters"}},
      {"", {"name part must be non-empty", "name part " + kNameRule}},
      {"-a", {"name part " + kNameRule}},
      {"a b", {"name part " + kNameRule}},
      {"/a", {"prefix part must be non-empty"}},
      {"a/", {"name part must be non-empty", "name part " + kNameRule}},
      {"Example.com/a", {"prefix part " + kSubdomainRule}},
      {"a/b/c",
       {"a qualified name " + kNameRule +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"}},
  };
  for (const auto& c : names) {
    CAPTURE(c.value);
    CHECK(mk::api::check_qualified_name(c.value) == c.problems);
  }
  const std::vector<Case> values = {
      {"", {}},
      {"web", {}},
      {"My_Value.1", {}},
      {std::string(63, 'x'), {}},
      {std::string(64, 'x'), {"must be no more than 63 characters"}},
      {"-x", {kValueRule}},
      {"a/b", {kValueRule}},
  };
  for (const auto& c : values) {
    CAPTURE(c.value);
    CHECK(mk::api::check_label_value(c.value) == c.problems);
  }
}

TEST_CASE("object names and generateName prefixes") {
  using mk::api::NameRule;
  CHECK(mk::api::check_object_name("web-", NameRule::dns1123_subdomain, true).empty());
  CHECK(mk::api::check_object_name("web-", NameRule::dns1123_subdomain, false) == Problems{kSubdomainRule});
  CHECK(mk::api::check_object_name("-", NameRule::dns1123_subdomain, true) == Problems{kSubdomainRule});
  CHECK(mk::api::check_object_name("svc-", NameRule::dns1035_label, true).empty());
  CHECK(mk::api::check_object_name("1svc", NameRule::dns1035_label) == Problems{kDns1035Rule});
}

TEST_CASE("object metadata on create") {
  using mk::api::NameRule;
  using mk::api::ObjectMetaRules;
  struct Case {
    json metadata;
    ObjectMetaRules rules;
    std::vector<std::string> errors;
  };
  const ObjectMetaRules namespaced;
  const ObjectMetaRules cluster{false, NameRule::dns1123_subdomain, "metadata"};
  const ObjectMetaRules service{true, NameRule::dns1035_label, "metadata"};
  const std::vector<Case> cases = {
      {{{"name", "web"}, {"namespace", "default"}}, namespaced, {}},
      {{{"name", "node-1"}}, cluster, {}},
      {{{"name", "Foo"}, {"namespace", "default"}},
       namespaced,
       {"metadata.name: Invalid value: \"Foo\": " + kSubdomainRule}},
      {{{"namespace", "default"}},
       namespaced,
       {"metadata.name: Required value: name or generateName is required"}},
      {{{"generateName", "web-"}, {"name", "web-x7k2p"}, {"namespace", "default"}}, namespaced, {}},
      // Before the registry generates the name: generateName alone is enough.
      {{{"generateName", "web-"}, {"namespace", "default"}}, namespaced, {}},
      {{{"generateName", "Web-"}, {"name", "web-x7k2p"}, {"namespace", "default"}},
       namespaced,
       {"metadata.generateName: Invalid value: \"Web-\": " + kSubdomainRule}},
      {{{"name", "web"}}, namespaced, {"metadata.namespace: Required value"}},
      {{{"name", "web"}, {"namespace", "Bad.ns"}},
       namespaced,
       {"metadata.namespace: Invalid value: \"Bad.ns\": " + kLabelRule}},
      {{{"name", "node-1"}, {"namespace", "default"}},
       cluster,
       {"metadata.namespace: Forbidden: not allowed on this type"}},
      {{{"name", "1svc"}, {"namespace", "default"}},
       service,
       {"metadata.name: Invalid value: \"1svc\": " + kDns1035Rule}},
      {{{"name", "web"}, {"namespace", "default"}, {"generation", -1}},
       namespaced,
       {"metadata.generation: Invalid value: -1: must be greater than or equal to 0"}},
      {{{"name", "web"}, {"namespace", "default"}, {"labels", {{"app", "-x"}, {"-k", "v"}}}},
       namespaced,
       {"metadata.labels: Invalid value: \"-k\": name part " + kNameRule,
        "metadata.labels: Invalid value: \"-x\": " + kValueRule}},
      {{{"name", "web"}, {"namespace", "default"}, {"annotations", {{"Example.com/Key", "v"}}}}, namespaced, {}},
      {{{"name", "web"}, {"namespace", "default"}, {"annotations", {{"a b", "v"}}}},
       namespaced,
       {"metadata.annotations: Invalid value: \"a b\": name part " + kNameRule}},
      {{{"name", "web"}, {"namespace", "default"}, {"finalizers", {"orphan", "foregroundDeletion"}}},
       namespaced,
       {"metadata.finalizers: Invalid value: []string{\"orphan\", \"foregroundDeletion\"}: finalizer "
        "orphan and foregroundDeletion cannot be both set"}},
      {{{"name", "web"},
        {"namespace", "default"},
        {"ownerReferences", {{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "web-1"}}}}},
       namespaced,
       {"metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty"}},
      {{{"spec", 1}}, namespaced,
       {"metadata.name: Required value: name or generateName is required", "metadata.namespace: Required value"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.metadata.dump());
    CHECK(rendered(mk::api::validate_object_meta(c.metadata, c.rules)) == c.errors);
  }
  ObjectMetaRules tmpl;
  tmpl.path = "spec.template.metadata";
  CHECK(rendered(mk::api::validate_object_meta({{"labels", {{"app", "-"}}}}, tmpl)) ==
        std::vector<std::string>{"spec.template.metadata.name: Required value: name or generateName is required",
                                 "spec.template.metadata.namespace: Required value",
                                 "spec.template.metadata.labels: Invalid value: \"-\": " + kValueRule});
}

TEST_CASE("annotations may total 256 KiB") {
  const int64_t limit = mk::api::kTotalAnnotationSizeLimit;
  CHECK(limit == 262144);
  json fits = {{"a", std::string(limit - 1, 'x')}};
  CHECK(mk::api::validate_annotations(fits).empty());
  json over = {{"a", std::string(limit, 'x')}};
  auto errors = mk::api::validate_annotations(over);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].type == "FieldValueTooLong");
  CHECK(mk::api::to_string(errors[0]) == "metadata.annotations: Too long: may not be more than 262144 bytes");
}

TEST_CASE("field errors render as upstream's field.Error") {
  using namespace mk::api;
  struct Case {
    FieldError error;
    std::string message;
  };
  const std::vector<Case> cases = {
      {field_invalid("metadata.name", "Foo", "bad"), "metadata.name: Invalid value: \"Foo\": bad"},
      {field_invalid("f", "a\"b\\c\nd\x01", "x"), "f: Invalid value: \"a\\\"b\\\\c\\nd\\x01\": x"},
      {field_invalid("f", "caf\xc3\xa9 \xff", "x"), "f: Invalid value: \"caf\xc3\xa9 \\xff\": x"},
      {field_invalid_verbatim("spec.replicas", "-1", "must be greater than or equal to 0"),
       "spec.replicas: Invalid value: -1: must be greater than or equal to 0"},
      {field_required("spec.containers", ""), "spec.containers: Required value"},
      {field_required("metadata.name", "name or generateName is required"),
       "metadata.name: Required value: name or generateName is required"},
      {field_forbidden("spec", "pod updates may not change fields"), "spec: Forbidden: pod updates may not change fields"},
      {field_duplicate("spec.containers[1].name", "app"), "spec.containers[1].name: Duplicate value: \"app\""},
      {field_not_found("spec.x", "y"), "spec.x: Not found: \"y\""},
      {field_not_supported("spec.restartPolicy", "Sometimes", {"Always", "Never", "OnFailure"}),
       "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", \"OnFailure\""},
      {field_too_long("metadata.annotations", 262144), "metadata.annotations: Too long: may not be more than 262144 bytes"},
  };
  for (const auto& c : cases) {
    CHECK(to_string(c.error) == c.message);
  }
}

TEST_CASE("Invalid status message and causes") {
  using namespace mk::api;
  FieldErrors one = {field_invalid("metadata.name", "Foo", "bad name")};
  CHECK(invalid_message("Pod", "Foo", one) == "Pod \"Foo\" is invalid: metadata.name: Invalid value: \"Foo\": bad name");
  FieldErrors two = {field_invalid_verbatim("spec.replicas", "-1", "must be greater than or equal to 0"),
                     field_required("spec.selector", ""), field_required("spec.selector", "")};
  CHECK(invalid_message("Deployment.apps", "web", two) ==
        "Deployment.apps \"web\" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal "
        "to 0, spec.selector: Required value]");
  CHECK(invalid_message("Pod", "x", {}) == "Pod \"x\" is invalid");
  CHECK(aggregate_message({}).empty());

  json causes = status_causes(two);
  CHECK(causes == json::parse(R"([
    {"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"},
    {"reason":"FieldValueRequired","message":"Required value","field":"spec.selector"},
    {"reason":"FieldValueRequired","message":"Required value","field":"spec.selector"}])"));
}
