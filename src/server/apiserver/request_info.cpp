#include "server/apiserver/request_info.h"

#include <vector>

namespace mk::apiserver {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (i > start) parts.push_back(path.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

Query parse_query(std::string_view raw) {
  Query q;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq));
    std::string value;
    if (eq != std::string_view::npos) {
      std::string v(pair.substr(eq + 1));
      for (auto& c : v)
        if (c == '+') c = ' ';
      value = percent_decode(v);
    }
    q.emplace(std::move(key), std::move(value));
  }
  return q;
}

std::optional<bool> parse_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") return false;
  return std::nullopt;
}

std::optional<RequestInfo> resolve_request(std::string_view method, std::string_view raw_path,
                                           const Query& query) {
  RequestInfo info;
  info.path = percent_decode(raw_path);
  auto parts = split_path(info.path);
  size_t i = 0;
  if (parts.empty()) return info;
  if (parts[0] == "api") {
    if (parts.size() < 2) return info;  // /api: discovery
    info.version = parts[1];
    i = 2;
  } else if (parts[0] == "apis") {
    if (parts.size() < 3) return info;  // /apis, /apis/<group>: discovery
    info.group = parts[1];
    info.version = parts[2];
    i = 3;
  } else {
    return info;
  }
  if (i == parts.size()) return info;  // /api/v1, /apis/apps/v1: discovery

  info.is_resource = true;
  if (parts[i] == "namespaces" && i + 2 < parts.size()) {
    // /namespaces/<ns>/<resource>...; "/namespaces/<ns>" alone is the namespace object.
    info.namespace_ = parts[i + 1];
    i += 2;
  }
  info.resource = parts[i++];
  if (info.resource == "namespaces" && info.namespace_.empty() && i < parts.size()) {
    // /api/v1/namespaces/<name>[/status|/finalize]
    info.name = parts[i++];
    if (i < parts.size()) info.subresource = parts[i++];
  } else {
    if (i < parts.size()) info.name = parts[i++];
    if (i < parts.size()) info.subresource = parts[i++];
  }
  if (i < parts.size()) {
    // Deeper paths exist only for proxy subresources, which are not served.
    return std::nullopt;
  }

  bool watch = false;
  if (auto it = query.find("watch"); it != query.end()) watch = parse_bool(it->second).value_or(false);
  if (method == "GET" || method == "HEAD") {
    if (info.name.empty()) {
      info.verb = watch ? "watch" : "list";
    } else {
      info.verb = watch ? "watch" : "get";
    }
  } else if (method == "POST") {
    info.verb = "create";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  } else {
    info.verb = std::string(method);
  }
  return info;
}

}  // namespace mk::apiserver
