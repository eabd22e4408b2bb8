#pragma once
// Readers and formatters shared by the per-kind printers. The readers are tolerant: a field that
// is missing or of the wrong JSON type reads as Go's zero value, so an odd object prints the
// placeholders upstream prints ("<none>", "0", "") instead of failing. The formatters reproduce
// upstream's ways of joining lists, labels, selectors and quantities.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/json_path.h"
#include "api/kinds/kind_info.h"
#include "api/timestamp.h"

namespace mk::api::printers {

// Beside find_path, string_at and int_at (api/json_path.h):
// the value at a dotted path when it is an array / object, otherwise a shared empty one.
const nlohmann::json& array_at(const nlohmann::json& root, std::string_view dotted);
const nlohmann::json& object_at(const nlohmann::json& root, std::string_view dotted);
// The string at the path; "" for anything that is not a string.
std::string text_at(const nlohmann::json& root, std::string_view dotted);
// True only for a JSON true.
bool bool_at(const nlohmann::json& root, std::string_view dotted);
// Present and not null: what a non-nil Go pointer looks like in JSON.
bool is_set(const nlohmann::json& root, std::string_view dotted);
// The string, or `fallback` when it is missing or empty (upstream's defaulting on decode).
std::string text_or(const nlohmann::json& root, std::string_view dotted, std::string fallback);

std::string join(const std::vector<std::string>& parts, std::string_view separator);
std::string to_lower(std::string text);
// Go's strings.TrimSpace for ASCII white space.
std::string trim_space(std::string_view text);

// labels.FormatLabels: "k1=v1,k2=v2" in key order, "<none>" when empty.
std::string format_labels(const nlohmann::json& labels);
// metav1.FormatLabelSelector: the selector's string, "<none>" when it selects everything or
// nothing, "<error>" when it does not parse. `selector` may be null (a nil selector).
std::string format_label_selector(const nlohmann::json& selector);
// LabelSelectorAsSelector(...).String(): "" for a nil or empty selector, "<invalid>" on error.
std::string selector_string(const nlohmann::json& selector);

// The container names and images of a pod template, each comma-joined.
std::pair<std::string, std::string> container_cells(const nlohmann::json& containers);

// A resource.Quantity in canonical form; "0" when absent, the raw text when it does not parse.
std::string quantity_string(const nlohmann::json* value);
// An IntOrString as its String() prints it.
std::string int_or_string(const nlohmann::json& value);
// PersistentVolume access modes abbreviated in upstream's fixed order: RWO,ROX,RWX,RWOP.
std::string access_modes(const nlohmann::json& modes);
// net.JoinHostPort: brackets around IPv6 addresses.
std::string join_host_port(const std::string& host, int64_t port);

// A timestamp field of the object.
std::optional<TimePoint> timestamp_at(const nlohmann::json& root, std::string_view dotted);
TimePoint now();

using Cell = std::function<nlohmann::json(const nlohmann::json& object)>;

// The Name column (format "name"), reading metadata.name.
PrinterColumn name_column();
// The Age column: time since metadata.creationTimestamp.
PrinterColumn age_column();
// Any other column.
PrinterColumn column(std::string name, std::string type, std::string description, Cell cell,
                     int priority = 0);
// A priority 1 column, shown by kubectl only with -o wide.
PrinterColumn wide_column(std::string name, std::string type, std::string description, Cell cell);

}  // namespace mk::api::printers
