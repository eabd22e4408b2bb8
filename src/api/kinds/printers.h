#pragma once
// Table columns per kind, as kube-apiserver 1.32 prints them. Each returns the full (wide) set;
// priority 1 columns are the -o wide ones. A kind without an entry gets default_columns().

#include <string_view>
#include <vector>

#include "api/kinds/kind_info.h"

namespace mk::api {

// The columns for kind (in group), or an empty list when the kind has no printer of its own.
std::vector<PrinterColumn> printer_columns(std::string_view group, std::string_view kind);

}  // namespace mk::api
