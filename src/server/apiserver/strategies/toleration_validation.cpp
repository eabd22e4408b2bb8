// Tolerations (ValidateTolerations) and taint effects, shared by pods and nodes.
#include <nlohmann/json.hpp>

#include "api/go_strconv.h"
#include "api/validation.h"
#include "server/apiserver/strategies/pod_spec_validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

// %#v of a core.Toleration; a set tolerationSeconds is a pointer, whose address Go prints: a
// fixed stand-in address marks it.
std::string go_toleration(const json& t) {
  auto seconds = int_of(t, "tolerationSeconds");
  return "core.Toleration{Key:" + api::go_quote(string_of(t, "key")) + ", Operator:" + api::go_quote(string_of(t, "operator")) +
         ", Value:" + api::go_quote(string_of(t, "value")) + ", Effect:" + api::go_quote(string_of(t, "effect")) +
         ", TolerationSeconds:" + (seconds ? "(*int64)(0xc000000000)" : "(*int64)(nil)") + "}";
}

}  // namespace

void validate_taint_effect(const std::string& effect, bool allow_empty, const std::string& path, api::FieldErrors& out) {
  if (!allow_empty && effect.empty()) {
    out.push_back(api::field_required(path, ""));
    return;
  }
  if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute")
    out.push_back(api::field_not_supported(path, effect, {"NoSchedule", "PreferNoSchedule", "NoExecute"}));
}

void validate_tolerations(const json& tolerations, const std::string& path, api::FieldErrors& out) {
  if (!tolerations.is_array()) return;
  for (size_t i = 0; i < tolerations.size(); ++i) {
    const json& t = tolerations[i];
    std::string at = index_path(path, i);
    std::string key = string_of(t, "key");
    std::string op = string_of(t, "operator");
    std::string value = string_of(t, "value");
    std::string effect = string_of(t, "effect");
    if (!key.empty()) add_invalid(out, at + ".key", key, api::check_qualified_name(key));
    if (key.empty() && op != "Exists")
      out.push_back(api::field_invalid(at + ".operator", op,
                                       "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
    if (has(t, "tolerationSeconds") && effect != "NoExecute")
      out.push_back(api::field_invalid(at + ".effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (op == "Equal" || op.empty()) {
      auto errs = api::check_label_value(value);
      if (!errs.empty()) out.push_back(api::field_invalid(at + ".operator", value, join(errs, ";")));
    } else if (op == "Exists") {
      if (!value.empty())
        out.push_back(api::field_invalid_verbatim(at + ".operator", go_toleration(t), "value must be empty when `operator` is 'Exists'"));
    } else {
      out.push_back(api::field_not_supported(at + ".operator", op, {"Equal", "Exists"}));
    }
    if (!effect.empty()) validate_taint_effect(effect, true, at + ".effect", out);
  }
}

}  // namespace mk::apiserver
