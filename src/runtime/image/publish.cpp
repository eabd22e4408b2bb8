#include "runtime/image/publish.h"

#include "runtime/image/manifest.h"

namespace mk::runtime::image {

Result<ImageRecord> publish_image(const ContentStore& store, const std::string& name,
                                  const std::string& manifest_digest, const std::string& index_digest) {
  auto fail = [&](const Error& e) { return e.wrap("image " + name); };
  auto body = store.read_blob(manifest_digest);
  if (!body) return fail(body.error());
  auto type = document_type(*body, "");
  if (!type) return fail(type.error());
  if (!is_manifest_type(*type)) return fail(make_error(Errc::invalid_argument, "manifest " + manifest_digest + " is an index"));
  auto manifest = parse_manifest(*body);
  if (!manifest) return fail(manifest.error());
  auto config_body = store.read_blob(manifest->config.digest);
  if (!config_body) return fail(config_body.error());
  auto config = parse_image_config(*config_body);
  if (!config) return fail(config.error());
  if (config->diff_ids.size() != manifest->layers.size()) {
    return fail(make_error(Errc::corrupt, "the manifest has " + std::to_string(manifest->layers.size()) +
                                              " layers but the config lists " + std::to_string(config->diff_ids.size()) + " diff ids"));
  }
  ImageRecord record;
  record.name = name;
  record.manifest_digest = manifest_digest;
  record.manifest_media_type = *type;
  record.index_digest = index_digest;
  record.config_digest = manifest->config.digest;
  record.platform = config->platform.str();
  for (size_t i = 0; i < manifest->layers.size(); ++i) {
    const Descriptor& layer = manifest->layers[i];
    if (auto ok = store.unpack_layer(layer.digest, config->diff_ids[i]); !ok) return fail(ok.error());
    record.layers.push_back({layer.digest, layer.media_type, layer.size, config->diff_ids[i]});
  }
  if (auto ok = store.put_image(record); !ok) return fail(ok.error());
  return store.get_image(name);
}

}  // namespace mk::runtime::image
