#include "runtime/image/puller.h"

#include "common/log.h"
#include "runtime/image/digest.h"
#include "runtime/image/manifest.h"
#include "runtime/image/publish.h"
#include "runtime/image/reference.h"

namespace mk::runtime::image {
namespace {

// Fetches a manifest or index and stores it, checking it against `expected` (a digest) when
// given, else against the registry's Docker-Content-Digest.
Result<std::pair<std::string, std::string>> fetch_document(const ContentStore& store, RegistryClient& client,
                                                           const std::string& ref, const std::string& expected,
                                                           const std::string& declared_type) {
  auto res = client.get_manifest(ref);
  if (!res) return res.error();
  std::string digest = sha256_digest(res->body);
  if (!expected.empty() && digest != expected) {
    return make_error(Errc::corrupt, "manifest " + ref + ": content hashes to " + digest + ", expected " + expected);
  }
  if (expected.empty() && !res->digest.empty() && res->digest != digest) {
    return make_error(Errc::corrupt, "manifest " + ref + ": content hashes to " + digest + ", the registry says " + res->digest);
  }
  auto type = document_type(res->body, res->content_type.empty() ? declared_type : res->content_type);
  if (!type) return type.error().wrap("manifest " + ref);
  if (auto ok = store.put_blob(digest, res->body); !ok) return ok.error();
  return std::make_pair(digest, *type);
}

Result<ImageRecord> pull_from(const ContentStore& store, const Reference& ref, const Endpoint& endpoint,
                              const PullOptions& options) {
  RegistryClient client(endpoint, ref.repository);
  auto top = fetch_document(store, client, ref.manifest_ref(), ref.digest, "");
  if (!top) return top.error();
  std::string manifest_digest = top->first;
  std::string index_digest;
  if (is_index_type(top->second)) {
    auto index = parse_index(*store.read_blob(top->first));
    if (!index) return index.error();
    auto chosen = choose_manifest(*index, options.platform);
    if (!chosen) return chosen.error().wrap(ref.name());
    auto manifest = fetch_document(store, client, chosen->digest, chosen->digest, chosen->media_type);
    if (!manifest) return manifest.error();
    if (!is_manifest_type(manifest->second)) {
      return make_error(Errc::unsupported, "manifest " + chosen->digest + ": an index inside an index");
    }
    index_digest = top->first;
    manifest_digest = manifest->first;
  }
  auto manifest = parse_manifest(*store.read_blob(manifest_digest));
  if (!manifest) return manifest.error();
  std::vector<Descriptor> blobs = {manifest->config};
  blobs.insert(blobs.end(), manifest->layers.begin(), manifest->layers.end());
  for (const Descriptor& d : blobs) {
    if (store.has_blob(d.digest)) continue;
    auto writer = store.blob_writer(d.digest, d.size);
    if (!writer) return writer.error();
    if (auto ok = client.fetch_blob(d.digest, d.size, **writer, options.progress); !ok) return ok.error();
  }
  return publish_image(store, ref.name(), manifest_digest, index_digest);
}

}  // namespace

Result<ImageRecord> pull_image(const ContentStore& store, const std::string& reference, const PullOptions& options) {
  auto ref = parse_reference(reference);
  if (!ref) return ref.error();
  auto endpoints = endpoints_for(options.registries, ref->registry);
  if (!endpoints) return endpoints.error();
  auto lease = store.lease();
  if (!lease) return lease.error();
  Error last{Errc::unavailable, "pull " + ref->name() + ": no endpoint"};
  for (const Endpoint& endpoint : *endpoints) {
    auto record = pull_from(store, *ref, endpoint, options);
    if (record) return record;
    last = record.error().wrap("pull " + ref->name() + " from " + endpoint.url);
    // Wrong content or no image for this platform is an answer, not an outage: do not hide it
    // behind another endpoint.
    if (last.code == Errc::corrupt || last.code == Errc::unsupported) return last;
    if (endpoints->size() > 1) MK_LOG(warn) << "image pull: " << last.message;
  }
  return last;
}

}  // namespace mk::runtime::image
