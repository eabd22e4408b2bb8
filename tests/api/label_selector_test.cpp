// Label selectors: the string grammar, metav1.LabelSelector objects and matching, against the
// rules of apimachinery's pkg/labels (see kube-api.md §4.2).

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/label_selector.h"
#include "api/label_selector_lexer.h"

using mk::api::LabelOp;
using mk::api::LabelSelector;
using nlohmann::json;

namespace {

// The examples that end upstream's messages about label names and values.
const std::string kNameRule =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const std::string kValueRule =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

}  // namespace

TEST_CASE("lexer splits symbols as upstream does") {
  auto lexemes = mk::api::lex_label_selector("a!=b,!c in(x)notin===<");
  std::vector<std::string> literals;
  for (const auto& l : lexemes) literals.push_back(l.literal);
  CHECK(literals == std::vector<std::string>{"a", "!=", "b", ",", "!", "c", "in", "(", "x", ")",
                                             "notin", "==", "=", "<", ""});
  CHECK(lexemes[6].token == mk::api::LabelToken::in);
  CHECK(lexemes[10].token == mk::api::LabelToken::not_in);
  CHECK(lexemes.back().token == mk::api::LabelToken::end_of_string);
}

TEST_CASE("valid label selectors parse to sorted requirements") {
  struct Case {
    std::string input;
    std::string canonical;
  };
  const std::vector<Case> cases = {
      {"", ""},
      {"x=a", "x=a"},
      {"x==a", "x==a"},
      {"x!=a", "x!=a"},
      {"  x  =  a  ", "x=a"},
      {"x=a,y=b,z=c", "x=a,y=b,z=c"},
      {"z=c,x=a", "x=a,z=c"},
      {"x in (a, b)", "x in (a,b)"},
      {"x in (b,a,b)", "x in (a,b)"},
      {"x notin (b,a)", "x notin (a,b)"},
      {"x in(a)", "x in (a)"},
      {"x in ()", "x in ()"},
      {"x in (,a)", "x in (,a)"},
      {"x in (a,)", "x in (,a)"},
      {"x", "x"},
      {"!x", "!x"},
      {" ! x ", "!x"},
      {"x,!y", "x,!y"},  // sorted by key, not by text
      {"!b,a", "a,!b"},
      {"x>1", "x>1"},
      {"x>1,z<5", "x>1,z<5"},
      {"x=", "x="},
      {"x= ,z= ", "x=,z="},
      {"in=notin", "in=notin"},
      {"example.com/app=web", "example.com/app=web"},
      {"a.b-c_d=E.f-g_9", "a.b-c_d=E.f-g_9"},
      {"x\t=\na", "x=a"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    auto selector = LabelSelector::parse(c.input);
    REQUIRE(selector);
    CHECK(selector->to_string() == c.canonical);
    CHECK(selector->empty() == c.canonical.empty());
  }
}

TEST_CASE("parsed requirements carry operator and values") {
  auto s = LabelSelector::parse("tier notin (b,a),app==web,!canary,n<10,env");
  REQUIRE(s);
  const auto& r = s->requirements();
  REQUIRE(r.size() == 5);
  CHECK(r[0] == mk::api::LabelRequirement{"app", LabelOp::double_equals, {"web"}});
  CHECK(r[1] == mk::api::LabelRequirement{"canary", LabelOp::does_not_exist, {}});
  CHECK(r[2] == mk::api::LabelRequirement{"env", LabelOp::exists, {}});
  CHECK(r[3] == mk::api::LabelRequirement{"n", LabelOp::less_than, {"10"}});
  CHECK(r[4] == mk::api::LabelRequirement{"tier", LabelOp::not_in, {"a", "b"}});
  CHECK(s->required_value("app") == "web");
  CHECK_FALSE(s->required_value("tier"));
  CHECK_FALSE(s->required_value("other"));
}

TEST_CASE("invalid label selectors fail with upstream's messages") {
  struct Case {
    std::string input;
    std::string message;
  };
  const std::string long_name(64, 'a');
  const std::vector<Case> cases = {
      {"x=a b", "found 'b', expected: ',' or 'end of string'"},
      {"x=a,", "found '', expected: identifier after ','"},
      {",x=a", "found ',', expected: !, identifier, or 'end of string'"},
      {"=a", "found '=', expected: !, identifier, or 'end of string'"},
      {"!x=a", "found '=', expected: ',' or 'end of string'"},
      {"x in (a))", "found ')', expected: ',' or 'end of string'"},
      {"!", "unable to parse requirement: found '', expected: identifier"},
      {"x in a", "unable to parse requirement: found 'a' expected: '('"},
      {"x in (a", "unable to parse requirement: found '', expected: ',' or ')'"},
      {"x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"},
      {"x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"},
      {"x in (a,=)", "unable to parse requirement: found '=', expected: ',', or identifier"},
      {"x (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"},
      {"x=(", "unable to parse requirement: found '(', expected: identifier"},
      {"x>a",
       "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, "
       "the value must be an integer"},
      {"x>-1", "unable to parse requirement: values[0][x]: Invalid value: \"-1\": " + kValueRule},
      {"x=a||y=b", "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": " + kValueRule},
      {"-x=a", "unable to parse requirement: <nil>: Invalid value: \"-x\": name part " + kNameRule},
      {"a/b/c=d",
       "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name " + kNameRule +
           " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"},
      {long_name + "=a",
       "unable to parse requirement: <nil>: Invalid value: \"" + long_name +
           "\": name part must be no more than 63 characters"},
      {"x=" + long_name,
       "unable to parse requirement: values[0][x]: Invalid value: \"" + long_name +
           "\": must be no more than 63 characters"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    auto selector = LabelSelector::parse(c.input);
    REQUIRE_FALSE(selector);
    CHECK(selector.error().code == mk::Errc::invalid_argument);
    CHECK(selector.error().message == c.message);
  }
}

TEST_CASE("label selectors match labels") {
  const json labels = {{"app", "web"}, {"tier", "front"}, {"n", "5"}, {"empty", ""}};
  struct Case {
    std::string selector;
    bool matches;
  };
  const std::vector<Case> cases = {
      {"", true},
      {"app=web", true},
      {"app==web", true},
      {"app=db", false},
      {"app!=db", true},
      {"app!=web", false},
      {"missing!=x", true},
      {"missing=x", false},
      {"app in (db,web)", true},
      {"app in (db)", false},
      {"app notin (web)", false},
      {"missing notin (a)", true},
      {"app", true},
      {"!app", false},
      {"missing", false},
      {"!missing", true},
      {"n>4", true},
      {"n>5", false},
      {"n<6", true},
      {"n<5", false},
      {"app>1", false},
      {"missing<1", false},
      {"empty=", true},
      {"empty in ()", true},
      {"missing=", false},
      {"app=web,tier=front", true},
      {"app=web,tier=back", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.selector);
    auto selector = LabelSelector::parse(c.selector);
    REQUIRE(selector);
    CHECK(selector->matches(labels) == c.matches);
  }
  auto any = LabelSelector::parse("!app");
  REQUIRE(any);
  CHECK(any->matches(json()));  // no labels at all
  CHECK(LabelSelector().matches(json::object()));
  CHECK_FALSE(LabelSelector::nothing().matches(labels));
  CHECK(LabelSelector::nothing().is_nothing());
}

TEST_CASE("metav1.LabelSelector objects") {
  struct Case {
    json input;
    std::string canonical;
  };
  const std::vector<Case> cases = {
      {json::object(), ""},
      {{{"matchLabels", {{"app", "web"}}}}, "app=web"},
      {{{"matchLabels", {{"b", "2"}, {"a", "1"}}}}, "a=1,b=2"},
      {{{"matchExpressions", {{{"key", "tier"}, {"operator", "In"}, {"values", {"b", "a"}}}}}},
       "tier in (a,b)"},
      {{{"matchExpressions", {{{"key", "tier"}, {"operator", "NotIn"}, {"values", {"c"}}}}}},
       "tier notin (c)"},
      {{{"matchLabels", {{"z", "1"}}},
        {"matchExpressions", {{{"key", "a"}, {"operator", "Exists"}},
                              {{"key", "m"}, {"operator", "DoesNotExist"}, {"values", json()}}}}},
       "a,!m,z=1"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input.dump());
    auto selector = LabelSelector::from_json(c.input);
    REQUIRE(selector);
    CHECK(selector->to_string() == c.canonical);
  }

  auto deployment = LabelSelector::from_json(
      {{"matchLabels", {{"app", "web"}}},
       {"matchExpressions", {{{"key", "track"}, {"operator", "NotIn"}, {"values", {"canary"}}}}}});
  REQUIRE(deployment);
  CHECK(deployment->matches({{"app", "web"}, {"pod-template-hash", "abc"}}));
  CHECK(deployment->matches({{"app", "web"}, {"track", "stable"}}));
  CHECK_FALSE(deployment->matches({{"app", "web"}, {"track", "canary"}}));
  CHECK_FALSE(deployment->matches({{"app", "db"}}));

  auto everything = LabelSelector::from_json(json::object());
  REQUIRE(everything);
  CHECK(everything->empty());
  CHECK(everything->matches(json::object()));

  auto nil = LabelSelector::from_json(json());
  REQUIRE(nil);
  CHECK(nil->is_nothing());
  CHECK_FALSE(nil->matches(json::object()));
}

TEST_CASE("invalid metav1.LabelSelector objects") {
  struct Case {
    json input;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"matchExpressions", {{{"key", "a"}, {"operator", "Foo"}}}}},
       "\"Foo\" is not a valid label selector operator"},
      {{{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}},
       "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"},
      {{{"matchExpressions", {{{"key", "a"}, {"operator", "Exists"}, {"values", {"x"}}}}}},
       "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does not exist"},
      {{{"matchLabels", {{"app", "bad value"}}}},
       "values[0][app]: Invalid value: \"bad value\": " + kValueRule},
      {{{"matchLabels", {{"-a", "b"}}}}, "key: Invalid value: \"-a\": name part " + kNameRule},
      {{{"matchLabels", {{"-a", "-b"}}}},
       "[key: Invalid value: \"-a\": name part " + kNameRule +
           ", values[0][-a]: Invalid value: \"-b\": " + kValueRule + "]"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input.dump());
    auto selector = LabelSelector::from_json(c.input);
    REQUIRE_FALSE(selector);
    CHECK(selector.error().code == mk::Errc::invalid_argument);
    CHECK(selector.error().message == c.message);
  }
}

TEST_CASE("service selector maps") {
  auto s = LabelSelector::from_map({{"app", "web"}, {"tier", "front"}});
  REQUIRE(s);
  CHECK(s->to_string() == "app=web,tier=front");
  CHECK(s->matches({{"app", "web"}, {"tier", "front"}, {"x", "y"}}));
  CHECK_FALSE(s->matches({{"app", "web"}}));
  auto empty = LabelSelector::from_map(json::object());
  REQUIRE(empty);
  CHECK(empty->empty());
  CHECK_FALSE(LabelSelector::from_map({{"app", 1}}));
}

TEST_CASE("single requirements are validated like upstream's NewRequirement") {
  auto ok = mk::api::make_label_requirement("n", LabelOp::greater_than, {"3"});
  REQUIRE(ok);
  CHECK(ok->to_string() == "n>3");
  auto two = mk::api::make_label_requirement("a", LabelOp::equals, {"x", "y"});
  REQUIRE_FALSE(two);
  CHECK(two.error().message ==
        "values: Invalid value: []string{\"x\", \"y\"}: exact-match compatibility requires one single value");
  auto gt = mk::api::make_label_requirement("a", LabelOp::greater_than, {});
  REQUIRE_FALSE(gt);
  CHECK(gt.error().message ==
        "values: Invalid value: []string(nil): for 'Gt', 'Lt' operators, exactly one value is required");
}
