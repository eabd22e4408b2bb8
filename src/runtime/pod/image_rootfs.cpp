#include "runtime/pod/image_rootfs.h"

#include "runtime/image/content_store.h"
#include "runtime/image/reference.h"

namespace mk::runtime::pod {

Result<ImageRootfs> image_rootfs(const std::string& store_root, const std::string& image_name) {
  auto ref = image::parse_reference(image_name);
  if (!ref) return ref.error();
  auto store = image::ContentStore::open(store_root);
  if (!store) return store.error();
  auto record = (*store)->get_image(ref->name());
  if (!record) {
    if (record.error().code == Errc::not_found) {
      return make_error(Errc::not_found, "image " + ref->name() + ": not in the store (pull or import it first)");
    }
    return record.error();
  }
  ImageRootfs out;
  for (const auto& layer : record->layers) {
    if (auto s = (*store)->unpack_layer(layer.digest, layer.diff_id); !s) return s.error();
    out.layers.push_back((*store)->layer_path(layer.diff_id));
  }
  auto config_text = (*store)->read_blob(record->config_digest);
  if (!config_text) return config_text.error();
  auto config = nlohmann::json::parse(*config_text, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    return make_error(Errc::corrupt, "image " + ref->name() + ": config " + record->config_digest + " is not JSON");
  }
  if (config.contains("config") && config["config"].is_object()) out.config = config["config"];
  return out;
}

}  // namespace mk::runtime::pod
