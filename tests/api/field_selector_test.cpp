// Field selectors: grammar, escaping and matching as apimachinery's pkg/fields (kube-api.md §4.3).

#include <catch2/catch.hpp>
#include <map>

#include "api/field_selector.h"

using mk::api::FieldRequirement;
using mk::api::FieldSelector;

TEST_CASE("field selectors parse into sorted requirements") {
  struct Case {
    std::string input;
    std::vector<FieldRequirement> requirements;
    std::string canonical;
  };
  const std::vector<Case> cases = {
      {"", {}, ""},
      {"metadata.name=foo", {{"metadata.name", false, "foo"}}, "metadata.name=foo"},
      {"metadata.name==foo", {{"metadata.name", false, "foo"}}, "metadata.name=foo"},
      {"spec.nodeName!=n1", {{"spec.nodeName", true, "n1"}}, "spec.nodeName!=n1"},
      {"spec.nodeName=", {{"spec.nodeName", false, ""}}, "spec.nodeName="},
      // Terms are sorted as written, so "b=1" comes after "a=2".
      {"b=1,a=2", {{"a", false, "2"}, {"b", false, "1"}}, "a=2,b=1"},
      {"a=b,,c=d", {{"a", false, "b"}, {"c", false, "d"}}, "a=b,c=d"},
      {"a=x\\,y", {{"a", false, "x,y"}}, "a=x\\,y"},
      {"a=x\\=y", {{"a", false, "x=y"}}, "a=x\\=y"},
      {"a=x\\\\y", {{"a", false, "x\\y"}}, "a=x\\\\y"},
      {"a=x\\,y,b=z", {{"a", false, "x,y"}, {"b", false, "z"}}, "a=x\\,y,b=z"},
      // Field names are never unescaped; spaces are part of names and values.
      {"a b= c", {{"a b", false, " c"}}, "a b= c"},
      {"involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid=1-2",
       {{"involvedObject.name", false, "web"},
        {"involvedObject.namespace", false, "default"},
        {"involvedObject.uid", false, "1-2"}},
       "involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid=1-2"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    auto selector = FieldSelector::parse(c.input);
    REQUIRE(selector);
    CHECK(selector->requirements() == c.requirements);
    CHECK(selector->to_string() == c.canonical);
    CHECK(selector->empty() == c.requirements.empty());
  }
}

TEST_CASE("invalid field selectors fail with upstream's messages") {
  struct Case {
    std::string input;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"foo", "invalid selector: 'foo'; can't understand 'foo'"},
      {"a=b,foo", "invalid selector: 'a=b,foo'; can't understand 'foo'"},
      {"a=b=c", "invalid field selector: unescaped character in value: 61"},
      {"a!=b=c", "invalid field selector: unescaped character in value: 61"},
      {"a=b\\,c=d", "invalid field selector: unescaped character in value: 61"},
      {"a=b\\c", "invalid field selector: invalid escape sequence: \\c"},
      {"a=b\\", "invalid field selector: invalid escape sequence: \\"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    auto selector = FieldSelector::parse(c.input);
    REQUIRE_FALSE(selector);
    CHECK(selector.error().code == mk::Errc::invalid_argument);
    CHECK(selector.error().message == c.message);
  }
}

TEST_CASE("escaping round-trips") {
  for (std::string value : {"", "plain", "a,b", "a=b", "a\\b", "\\,=", "x\\\\,,=="}) {
    CAPTURE(value);
    auto escaped = mk::api::escape_field_value(value);
    auto back = mk::api::unescape_field_value(escaped);
    REQUIRE(back);
    CHECK(*back == value);
  }
  CHECK(mk::api::escape_field_value("a,b=c\\d") == "a\\,b\\=c\\\\d");
}

TEST_CASE("field selectors match through a getter") {
  const std::map<std::string, std::string, std::less<>> pod = {
      {"metadata.name", "web"}, {"metadata.namespace", "default"}, {"spec.nodeName", "n1"}};
  mk::api::FieldGetter get = [&](std::string_view field) -> std::optional<std::string> {
    auto it = pod.find(field);
    if (it == pod.end()) return std::nullopt;
    return it->second;
  };
  struct Case {
    std::string selector;
    bool matches;
  };
  const std::vector<Case> cases = {
      {"", true},
      {"metadata.name=web", true},
      {"metadata.name==web", true},
      {"metadata.name!=web", false},
      {"metadata.name=db", false},
      {"spec.nodeName=n2", false},
      {"spec.nodeName!=n2", true},
      {"status.phase=", true},  // an absent field reads as ""
      {"status.phase!=Running", true},
      {"status.phase=Running", false},
      {"metadata.name=web,spec.nodeName=n1", true},
      {"metadata.name=web,spec.nodeName=n2", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.selector);
    auto selector = FieldSelector::parse(c.selector);
    REQUIRE(selector);
    CHECK(selector->matches(get) == c.matches);
  }
}

TEST_CASE("fields used and supported-field checks") {
  auto s = FieldSelector::parse("spec.nodeName=n1,metadata.name=a,metadata.name!=b");
  REQUIRE(s);
  CHECK(s->fields() == std::vector<std::string>{"metadata.name", "spec.nodeName"});
  CHECK(s->required_value("metadata.name") == "a");
  CHECK(s->required_value("spec.nodeName") == "n1");
  CHECK_FALSE(s->required_value("status.phase"));

  auto pods = [](std::string_view f) {
    return f == "metadata.name" || f == "metadata.namespace" || f == "spec.nodeName";
  };
  CHECK(s->check_supported(pods));
  auto bad = FieldSelector::parse("metadata.name=x,foo=y,bar=z");
  REQUIRE(bad);
  auto status = bad->check_supported(pods);
  REQUIRE_FALSE(status);
  CHECK(status.error().code == mk::Errc::invalid_argument);
  CHECK(status.error().message == "field label not supported: bar");
}
