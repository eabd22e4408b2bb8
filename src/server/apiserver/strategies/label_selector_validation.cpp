#include "server/apiserver/strategies/label_selector_validation.h"

#include <nlohmann/json.hpp>

#include "api/label_selector.h"
#include "api/validation.h"
#include "server/apiserver/strategies/go_format.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {

using nlohmann::json;

void validate_label_selector(const json& selector, const std::string& path, api::FieldErrors& out) {
  if (!selector.is_object()) return;
  append(out, api::validate_labels(object_of(selector, "matchLabels"), path + ".matchLabels"));
  const json& exprs = array_of(selector, "matchExpressions");
  for (size_t i = 0; i < exprs.size(); ++i) {
    const json& e = exprs[i];
    std::string p = index_path(path + ".matchExpressions", i);
    std::string op = string_of(e, "operator");
    size_t values = array_of(e, "values").size();
    if (op == "In" || op == "NotIn") {
      if (values == 0) out.push_back(api::field_required(p + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (values > 0)
        out.push_back(api::field_forbidden(p + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      out.push_back(api::field_invalid(p + ".operator", op, "not a valid selector operator"));
    }
    std::string key = string_of(e, "key");
    add_invalid(out, p + ".key", key, api::check_qualified_name(key));
    const json& vals = array_of(e, "values");
    for (size_t j = 0; j < vals.size(); ++j) {
      if (!vals[j].is_string()) continue;
      std::string v = vals[j].get<std::string>();
      add_invalid(out, index_path(p + ".values", j), v, api::check_label_value(v));
    }
  }
}

bool selector_is_empty(const json& selector) {
  return object_of(selector, "matchLabels").empty() && array_of(selector, "matchExpressions").empty();
}

bool selector_converts(const json& selector) { return static_cast<bool>(api::LabelSelector::from_json(selector)); }

void check_selector_matches_template(const json& selector, const json& pod_template, const std::string& template_path,
                                     api::FieldErrors& out) {
  auto parsed = api::LabelSelector::from_json(selector);
  if (!parsed || parsed->empty()) return;
  const json* labels = member(object_of(pod_template, "metadata"), "labels");
  static const json kNoLabels = json::object();
  if (parsed->matches(labels && labels->is_object() ? *labels : kNoLabels)) return;
  out.push_back(api::field_invalid_verbatim(template_path + ".metadata.labels", go_string_map(labels),
                                            "`selector` does not match template `labels`"));
}

}  // namespace mk::apiserver
