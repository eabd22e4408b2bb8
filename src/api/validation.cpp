#include "api/validation.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "api/go_strconv.h"

namespace mk::api {
namespace {

// Upstream's fragments, kept verbatim (including the double spaces its RegexError produces
// between examples) because clients and tests compare these strings.
constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueErrMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kDns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1123LabelErrMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character";
constexpr std::string_view kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDns1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kDns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1035LabelErrMsg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character";
constexpr std::string_view kNonNegative = "must be greater than or equal to 0";

std::string max_len_error(size_t length) {
  return "must be no more than " + std::to_string(length) + " characters";
}

std::string regex_error(std::string_view msg, std::string_view fmt,
                        std::initializer_list<std::string_view> examples) {
  std::string out(msg);
  if (examples.size() == 0) return out + " (regex used for validation is '" + std::string(fmt) + "')";
  out += " (e.g. ";
  bool first = true;
  for (auto example : examples) {
    if (!first) out += " or ";
    first = false;
    out += "'";
    out += example;
    out += "', ";
  }
  out += "regex used for validation is '";
  out += fmt;
  out += "')";
  return out;
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool matches_dns1123_label(std::string_view s) {
  if (s.empty() || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_lower_alnum(c) || c == '-'; });
}

// Labels of the above joined by single dots.
bool matches_dns1123_subdomain(std::string_view s) {
  while (true) {
    size_t dot = s.find('.');
    if (!matches_dns1123_label(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

// [a-z]([-a-z0-9]*[a-z0-9])?
bool matches_dns1035_label(std::string_view s) {
  return matches_dns1123_label(s) && s.front() >= 'a' && s.front() <= 'z';
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool matches_qualified_name_part(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// Labels, annotations and the like must be JSON strings; anything else is reported with the
// JSON it was, since a typed decoder would have refused it outright.
FieldError type_error(const std::string& field, const nlohmann::json& value,
                      std::string_view expected) {
  FieldError e{field, "FieldValueTypeInvalid", value.dump(), "must be of type " + std::string(expected)};
  e.value_verbatim = true;
  return e;
}

void append(FieldErrors& to, FieldErrors from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

// A string member of `object`, "" when absent or null; reports other types.
std::string string_member(const nlohmann::json& object, const char* key, const std::string& field,
                          FieldErrors& errors) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (!it->is_string()) {
    errors.push_back(type_error(field, *it, "string"));
    return "";
  }
  return it->get<std::string>();
}

}  // namespace

std::vector<std::string> check_dns1123_subdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1123SubdomainMaxLength) errs.push_back(max_len_error(kDns1123SubdomainMaxLength));
  if (!matches_dns1123_subdomain(value)) {
    errs.push_back(regex_error(kDns1123SubdomainErrMsg, kDns1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

std::vector<std::string> check_dns1123_label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1123LabelMaxLength) errs.push_back(max_len_error(kDns1123LabelMaxLength));
  if (!matches_dns1123_label(value)) {
    // A valid subdomain that is not a valid label can only be failing on its dots.
    if (matches_dns1123_subdomain(value)) {
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(regex_error(kDns1123LabelErrMsg, kDns1123LabelFmt, {"my-name", "123-abc"}));
    }
  }
  return errs;
}

std::vector<std::string> check_dns1035_label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1035LabelMaxLength) errs.push_back(max_len_error(kDns1035LabelMaxLength));
  if (!matches_dns1035_label(value)) {
    errs.push_back(regex_error(kDns1035LabelErrMsg, kDns1035LabelFmt, {"my-name", "abc-123"}));
  }
  return errs;
}

std::vector<std::string> check_qualified_name(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  size_t slashes = std::count(value.begin(), value.end(), '/');
  if (slashes > 1) {
    errs.push_back("a qualified name " +
                   regex_error(kQualifiedNameErrMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
                   " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    return errs;
  }
  if (slashes == 1) {
    size_t slash = value.find('/');
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (auto& msg : check_dns1123_subdomain(prefix)) errs.push_back("prefix part " + msg);
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > kQualifiedNameMaxLength) {
    errs.push_back("name part " + max_len_error(kQualifiedNameMaxLength));
  }
  if (!matches_qualified_name_part(name)) {
    errs.push_back("name part " +
                   regex_error(kQualifiedNameErrMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> check_label_value(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(max_len_error(kLabelValueMaxLength));
  if (!value.empty() && !matches_qualified_name_part(value)) {
    errs.push_back(regex_error(kLabelValueErrMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::vector<std::string> check_object_name(std::string_view name, NameRule rule, bool prefix) {
  std::string masked(name);
  // Upstream's maskTrailingDash: it replaces the last *two* characters by "a", which shortens
  // the prefix by one; kept as is so that length limits bite at the same place.
  if (prefix && masked.size() > 1 && masked.back() == '-') {
    masked = masked.substr(0, masked.size() - 2) + "a";
  }
  switch (rule) {
    case NameRule::dns1123_subdomain: return check_dns1123_subdomain(masked);
    case NameRule::dns1123_label: return check_dns1123_label(masked);
    case NameRule::dns1035_label: return check_dns1035_label(masked);
    case NameRule::path_segment: {
      std::vector<std::string> out;
      if (!prefix && (masked == "." || masked == "..")) out.push_back("may not be '" + masked + "'");
      if (masked.find('/') != std::string::npos) out.push_back("may not contain '/'");
      if (masked.find('%') != std::string::npos) out.push_back("may not contain '%'");
      return out;
    }
  }
  return {};
}

FieldErrors validate_labels(const nlohmann::json& labels, const std::string& field) {
  FieldErrors errors;
  if (labels.is_null()) return errors;
  if (!labels.is_object()) return {type_error(field, labels, "object")};
  for (const auto& [key, value] : labels.items()) {
    for (auto& msg : check_qualified_name(key)) errors.push_back(field_invalid(field, key, msg));
    if (!value.is_string()) {
      errors.push_back(type_error(field, value, "string"));
      continue;
    }
    for (auto& msg : check_label_value(value.get_ref<const std::string&>())) {
      errors.push_back(field_invalid(field, value.get<std::string>(), msg));
    }
  }
  return errors;
}

FieldErrors validate_annotations(const nlohmann::json& annotations, const std::string& field) {
  FieldErrors errors;
  if (annotations.is_null()) return errors;
  if (!annotations.is_object()) return {type_error(field, annotations, "object")};
  int64_t total = 0;
  for (const auto& [key, value] : annotations.items()) {
    std::string lower = key;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (auto& msg : check_qualified_name(lower)) errors.push_back(field_invalid(field, key, msg));
    total += static_cast<int64_t>(key.size());
    if (value.is_string()) {
      total += static_cast<int64_t>(value.get_ref<const std::string&>().size());
    } else if (!value.is_null()) {
      errors.push_back(type_error(field, value, "string"));
    }
  }
  if (total > kTotalAnnotationSizeLimit) errors.push_back(field_too_long(field, kTotalAnnotationSizeLimit));
  return errors;
}

FieldErrors validate_finalizers(const nlohmann::json& finalizers, const std::string& field) {
  FieldErrors errors;
  if (finalizers.is_null()) return errors;
  if (!finalizers.is_array()) return {type_error(field, finalizers, "array")};
  bool orphan = false;
  bool foreground = false;
  std::vector<std::string> names;
  for (const auto& f : finalizers) {
    if (!f.is_string()) {
      errors.push_back(type_error(field, f, "string"));
      continue;
    }
    const auto& name = f.get_ref<const std::string&>();
    names.push_back(name);
    for (auto& msg : check_qualified_name(name)) errors.push_back(field_invalid(field, name, msg));
    orphan = orphan || name == "orphan";
    foreground = foreground || name == "foregroundDeletion";
  }
  if (orphan && foreground) {
    errors.push_back(field_invalid_verbatim(field, go_string_slice(names, false),
                                            "finalizer orphan and foregroundDeletion cannot be both set"));
  }
  return errors;
}

FieldErrors validate_owner_references(const nlohmann::json& refs, const std::string& field) {
  FieldErrors errors;
  if (refs.is_null()) return errors;
  if (!refs.is_array()) return {type_error(field, refs, "array")};
  std::string first_controller;
  for (const auto& ref : refs) {
    if (!ref.is_object()) {
      errors.push_back(type_error(field, ref, "object"));
      continue;
    }
    std::string api_version = string_member(ref, "apiVersion", field + ".apiVersion", errors);
    std::string kind = string_member(ref, "kind", field + ".kind", errors);
    std::string name = string_member(ref, "name", field + ".name", errors);
    std::string uid = string_member(ref, "uid", field + ".uid", errors);
    // The version part of "group/version" or "version"; more than one slash has none.
    std::string version;
    size_t slashes = std::count(api_version.begin(), api_version.end(), '/');
    if (slashes == 0) version = api_version;
    if (slashes == 1) version = api_version.substr(api_version.find('/') + 1);
    if (version.empty()) errors.push_back(field_invalid(field + ".apiVersion", api_version, "version must not be empty"));
    if (kind.empty()) errors.push_back(field_invalid(field + ".kind", kind, "kind must not be empty"));
    if (name.empty()) errors.push_back(field_invalid(field + ".name", name, "name must not be empty"));
    if (uid.empty()) errors.push_back(field_invalid(field + ".uid", uid, "uid must not be empty"));
    // Events are never owners (upstream's BannedOwners).
    if (api_version == "v1" && kind == "Event") {
      errors.push_back(field_invalid_verbatim(field, ref.dump(), "/v1, Kind=Event is disallowed from being an owner"));
    }
    auto controller = ref.find("controller");
    if (controller != ref.end() && controller->is_boolean() && controller->get<bool>()) {
      std::string current = kind + "/" + name;
      if (!first_controller.empty()) {
        errors.push_back(field_invalid_verbatim(
            field, refs.dump(),
            "Only one reference can have Controller set to true. Found \"true\" in references for " +
                first_controller + " and " + current));
      } else {
        first_controller = current;
      }
    }
  }
  return errors;
}

FieldErrors validate_object_meta(const nlohmann::json& metadata, const ObjectMetaRules& rules) {
  FieldErrors errors;
  const std::string& path = rules.path;
  static const nlohmann::json kNull;
  if (!metadata.is_object() && !metadata.is_null()) return {type_error(path, metadata, "object")};
  auto member = [&](const char* key) -> const nlohmann::json& {
    if (!metadata.is_object()) return kNull;
    auto it = metadata.find(key);
    return it == metadata.end() ? kNull : *it;
  };
  std::string generate_name;
  std::string name;
  std::string ns;
  if (metadata.is_object()) {
    generate_name = string_member(metadata, "generateName", path + ".generateName", errors);
    name = string_member(metadata, "name", path + ".name", errors);
    ns = string_member(metadata, "namespace", path + ".namespace", errors);
  }

  if (!generate_name.empty()) {
    for (auto& msg : check_object_name(generate_name, rules.name_rule, true)) {
      errors.push_back(field_invalid(path + ".generateName", generate_name, msg));
    }
  }
  if (name.empty()) {
    // The registry fills the name in from generateName after validation.
    if (generate_name.empty()) errors.push_back(field_required(path + ".name", "name or generateName is required"));
  } else {
    for (auto& msg : check_object_name(name, rules.name_rule, false)) {
      errors.push_back(field_invalid(path + ".name", name, msg));
    }
  }
  if (rules.namespaced) {
    if (ns.empty()) {
      errors.push_back(field_required(path + ".namespace", ""));
    } else {
      for (auto& msg : check_dns1123_label(ns)) errors.push_back(field_invalid(path + ".namespace", ns, msg));
    }
  } else if (!ns.empty()) {
    errors.push_back(field_forbidden(path + ".namespace", "not allowed on this type"));
  }

  const auto& generation = member("generation");
  if (generation.is_number_integer()) {
    if (generation.get<int64_t>() < 0) {
      errors.push_back(field_invalid_verbatim(path + ".generation", generation.dump(), std::string(kNonNegative)));
    }
  } else if (!generation.is_null()) {
    errors.push_back(type_error(path + ".generation", generation, "integer"));
  }

  append(errors, validate_labels(member("labels"), path + ".labels"));
  append(errors, validate_annotations(member("annotations"), path + ".annotations"));
  append(errors, validate_owner_references(member("ownerReferences"), path + ".ownerReferences"));
  append(errors, validate_finalizers(member("finalizers"), path + ".finalizers"));
  return errors;
}

}  // namespace mk::api
