#include "agent/kubelet/image_policy.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "runtime/image/puller.h"
#include "runtime/image/reference.h"

namespace mk::agent::kubelet {

namespace image = runtime::image;

std::string default_pull_policy(const std::string& text) {
  auto ref = image::parse_reference(text);
  if (!ref) return "IfNotPresent";
  if (!ref->digest.empty()) return "IfNotPresent";
  return ref->tag.empty() || ref->tag == "latest" ? "Always" : "IfNotPresent";
}

Result<image::ImageRecord> ensure_image(const image::ContentStore& store, const std::string& text,
                                        const std::string& policy_in, const image::RegistriesConfig& registries) {
  auto ref = image::parse_reference(text);
  if (!ref) return ref.error().wrap("image " + text);
  std::string policy = policy_in.empty() ? default_pull_policy(text) : policy_in;
  if (policy != "Always") {
    auto present = store.get_image(ref->name());
    if (present) return present;
    if (policy == "Never") {
      return make_error(Errc::not_found, "container image \"" + text +
                                             "\" is not present with pull policy of Never");
    }
  }
  image::PullOptions options;
  options.registries = registries;
  auto pulled = image::pull_image(store, text, options);
  if (!pulled) return pulled.error().wrap("pull image " + text);
  return pulled;
}

nlohmann::json node_images(std::vector<image::ImageRecord> records) {
  constexpr size_t kMaxImages = 50;  // the kubelet's nodeStatusMaxImages
  std::stable_sort(records.begin(), records.end(),
                   [](const image::ImageRecord& a, const image::ImageRecord& b) { return a.size > b.size; });
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : records) {
    if (out.size() == kMaxImages) break;
    out.push_back({{"names", {image_id(r), r.name}}, {"sizeBytes", r.size}});
  }
  return out;
}

std::string image_id(const image::ImageRecord& record) {
  std::string digest = record.index_digest.empty() ? record.manifest_digest : record.index_digest;
  auto ref = image::parse_reference(record.name);
  std::string repo = ref ? ref->repo_name() : record.name;
  return repo + "@" + digest;
}

}  // namespace mk::agent::kubelet
