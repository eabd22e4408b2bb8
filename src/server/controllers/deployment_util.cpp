#include "server/controllers/deployment_util.h"

#include <algorithm>
#include <cmath>

namespace mk::controllers {

using nlohmann::json;

uint32_t fnv32a(const std::string& data, uint32_t hash) {
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

std::string safe_encode(const std::string& s) {
  static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out(s.size(), ' ');
  for (size_t i = 0; i < s.size(); ++i) out[i] = alphabet[static_cast<unsigned char>(s[i]) % 27];
  return out;
}

namespace {
json without_hash(json t) {
  if (t.is_object() && t.contains("metadata") && t["metadata"].is_object() && t["metadata"].contains("labels") &&
      t["metadata"]["labels"].is_object()) {
    t["metadata"]["labels"].erase(kPodTemplateHashLabel);
    if (t["metadata"]["labels"].empty()) t["metadata"].erase("labels");
  }
  return t;
}
}  // namespace

std::string template_hash(const json& pod_template, int64_t collision_count) {
  uint32_t h = fnv32a(without_hash(pod_template).dump());  // dump() orders keys: a canonical form
  if (collision_count > 0) {
    auto c = static_cast<uint32_t>(collision_count);
    std::string bytes{static_cast<char>(c & 0xff), static_cast<char>((c >> 8) & 0xff),
                      static_cast<char>((c >> 16) & 0xff), static_cast<char>((c >> 24) & 0xff)};
    h = fnv32a(bytes, h);
  }
  return safe_encode(std::to_string(h));
}

std::string replicaset_name(const std::string& deployment, const std::string& hash) { return deployment + "-" + hash; }

bool templates_equal_ignoring_hash(const json& a, const json& b) { return without_hash(a) == without_hash(b); }

namespace {
int64_t scaled(const json* v, int64_t replicas, bool round_up, int64_t fallback_percent) {
  if (v && v->is_number_integer()) return v->get<int64_t>();
  int64_t percent = fallback_percent;
  if (v && v->is_string()) {
    std::string s = v->get<std::string>();
    if (!s.empty() && s.back() == '%') s.pop_back();
    try {
      percent = std::stoll(s);
    } catch (...) {
      percent = fallback_percent;
    }
  }
  double x = static_cast<double>(percent) * static_cast<double>(replicas) / 100.0;
  return static_cast<int64_t>(round_up ? std::ceil(x) : std::floor(x));
}
}  // namespace

Fenceposts resolve_fenceposts(const json* max_surge, const json* max_unavailable, int64_t replicas) {
  Fenceposts f{scaled(max_surge, replicas, true, 25), scaled(max_unavailable, replicas, false, 25)};
  if (f.max_surge == 0 && f.max_unavailable == 0) f.max_unavailable = 1;
  return f;
}

int64_t new_rs_replicas(int64_t replicas, int64_t max_surge, int64_t all_spec_replicas, int64_t new_rs_spec_replicas) {
  if (new_rs_spec_replicas >= replicas) return replicas;
  int64_t max_total = replicas + max_surge;
  if (all_spec_replicas >= max_total) return new_rs_spec_replicas;
  int64_t up = std::min(max_total - all_spec_replicas, replicas - new_rs_spec_replicas);
  return new_rs_spec_replicas + up;
}

std::vector<int64_t> scale_down_old(const std::vector<RsCounts>& old_sets, const RsCounts& new_set, int64_t replicas,
                                    int64_t max_unavailable) {
  std::vector<int64_t> out;
  int64_t all = new_set.spec;
  for (const auto& o : old_sets) {
    out.push_back(o.spec);
    all += o.spec;
  }
  int64_t min_available = replicas - max_unavailable;
  int64_t new_unavailable = std::max<int64_t>(0, new_set.spec - new_set.available);
  int64_t budget = all - min_available - new_unavailable;
  if (budget <= 0) return out;
  // Unhealthy old replicas cost no availability.
  for (size_t i = 0; i < old_sets.size() && budget > 0; ++i) {
    int64_t unhealthy = std::max<int64_t>(0, out[i] - old_sets[i].available);
    int64_t cut = std::min(unhealthy, budget);
    out[i] -= cut;
    budget -= cut;
  }
  // Then healthy ones, keeping availability at min_available.
  int64_t available = new_set.available;
  for (size_t i = 0; i < old_sets.size(); ++i) available += std::min(out[i], old_sets[i].available);
  int64_t can = available - min_available;
  for (size_t i = 0; i < old_sets.size() && can > 0; ++i) {
    int64_t cut = std::min(out[i], can);
    out[i] -= cut;
    can -= cut;
  }
  return out;
}

}  // namespace mk::controllers
