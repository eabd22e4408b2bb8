#pragma once
// Label selectors: the `labelSelector` query string grammar and metav1.LabelSelector objects
// (Deployments, ReplicaSets, Jobs), with upstream's validation, matching and printing
// (k8s.io/apimachinery pkg/labels/selector.go, pkg/apis/meta/v1/helpers.go).
//
//   app=web,tier!=cache    env in (prod,staging)    !canary    partition>3

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/error.h"

namespace mk::api {

enum class LabelOp {
  equals,          // =
  double_equals,   // ==
  not_equals,      // !=   (also true when the key is absent)
  in,              // in (a,b)
  not_in,          // notin (a,b)   (also true when the key is absent)
  exists,          // key
  does_not_exist,  // !key
  greater_than,    // key>N   (integers)
  less_than,       // key<N
};

struct LabelRequirement {
  std::string key;
  LabelOp op = LabelOp::exists;
  // Parsed from a string: sorted and without duplicates. From matchExpressions: as given.
  std::vector<std::string> values;

  // `labels` is an object of strings (metadata.labels); null counts as no labels.
  bool matches(const nlohmann::json& labels) const;
  // "key=value", "key in (a,b)", "!key", ...; values printed sorted.
  std::string to_string() const;
  bool operator==(const LabelRequirement&) const = default;
};

// Builds one requirement with upstream's checks (key a qualified name, values label values,
// value count fitting the operator, integers for > and <). The message is upstream's.
Result<LabelRequirement> make_label_requirement(std::string key, LabelOp op,
                                                std::vector<std::string> values);

class LabelSelector {
 public:
  // The empty selector: matches every object.
  LabelSelector() = default;

  // The string form; "" gives the empty selector. Errors are Errc::invalid_argument with
  // upstream's message, e.g. "unable to parse requirement: found '', expected: identifier".
  static Result<LabelSelector> parse(std::string_view text);
  // A metav1.LabelSelector object {matchLabels, matchExpressions}. null gives a selector that
  // matches nothing (upstream's rule for a nil selector); {} gives the empty selector.
  static Result<LabelSelector> from_json(const nlohmann::json& label_selector);
  // A plain map of key=value, as a Service's spec.selector; validated like matchLabels.
  static Result<LabelSelector> from_map(const nlohmann::json& labels);
  // Matches no object at all.
  static LabelSelector nothing();

  bool matches(const nlohmann::json& labels) const;
  // True for the selector that matches everything.
  bool empty() const { return !nothing_ && requirements_.empty(); }
  bool is_nothing() const { return nothing_; }
  // Sorted by key.
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }
  // The value `key` must have for a match (an =, == or single-valued in), if any; lets callers
  // narrow a scan before matching.
  std::optional<std::string> required_value(std::string_view key) const;
  // The canonical string form: requirements joined by ",", in key order.
  std::string to_string() const;

 private:
  explicit LabelSelector(std::vector<LabelRequirement> requirements);

  std::vector<LabelRequirement> requirements_;
  bool nothing_ = false;
};

}  // namespace mk::api
