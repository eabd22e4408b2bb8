#include "server/apiserver/object_store.h"

#include <openssl/evp.h>

namespace mk::apiserver {
namespace {

std::string group_segment(const api::KindInfo& kind) { return kind.group.empty() ? "core" : kind.group; }

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool unbase64(const std::string& in, std::string& out) {
  if (in.empty() || in.size() % 4 != 0) return false;
  out.assign(3 * in.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return false;
  size_t len = static_cast<size_t>(n);
  if (in.size() >= 1 && in[in.size() - 1] == '=') --len;
  if (in.size() >= 2 && in[in.size() - 2] == '=') --len;
  out.resize(len);
  return true;
}

api::ApiError store_error(const api::KindInfo& kind, const std::string& name, const Error& e) {
  if (e.code == Errc::not_found) return api::not_found(kind.qualified_resource(), kind.group, kind.plural, name);
  if (e.code == Errc::already_exists)
    return api::already_exists(kind.qualified_resource(), kind.group, kind.plural, name);
  if (e.code == Errc::conflict)
    return api::modified_conflict(kind.qualified_resource(), kind.group, kind.plural, name);
  return api::from_store_error(e);
}

}  // namespace

std::string encode_continue(store::Revision revision, const std::string& start_key) {
  nlohmann::json j = {{"v", "meta.k8s.io/v1"}, {"rv", revision}, {"start", start_key}};
  return base64(j.dump());
}

bool decode_continue(const std::string& token, store::Revision& revision, std::string& start_key) {
  std::string raw;
  if (!unbase64(token, raw)) return false;
  auto j = nlohmann::json::parse(raw, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  auto rv = j.find("rv");
  auto start = j.find("start");
  if (rv == j.end() || !rv->is_number_integer() || start == j.end() || !start->is_string()) return false;
  revision = rv->get<int64_t>();
  start_key = start->get<std::string>();
  return revision > 0;
}

std::string ObjectStore::key(const api::KindInfo& kind, const std::string& ns, const std::string& name) {
  std::string k = "/registry/" + group_segment(kind) + "/" + kind.plural + "/";
  if (kind.namespaced) k += ns + "/";
  return k + name;
}

std::string ObjectStore::prefix(const api::KindInfo& kind, const std::string& ns) {
  std::string k = "/registry/" + group_segment(kind) + "/" + kind.plural + "/";
  if (kind.namespaced && !ns.empty()) k += ns + "/";
  return k;
}

nlohmann::json ObjectStore::decode(const std::string& value, store::Revision revision) {
  auto obj = nlohmann::json::parse(value, nullptr, false);
  if (obj.is_discarded() || !obj.is_object()) obj = nlohmann::json::object();
  obj["metadata"]["resourceVersion"] = std::to_string(revision);
  return obj;
}

std::string ObjectStore::encode(const nlohmann::json& obj) {
  nlohmann::json copy = obj;
  if (auto m = copy.find("metadata"); m != copy.end() && m->is_object()) m->erase("resourceVersion");
  return copy.dump();
}

ApiResult<nlohmann::json> ObjectStore::get(const api::KindInfo& kind, const std::string& ns,
                                           const std::string& name) {
  auto r = kv_.get(key(kind, ns, name));
  if (!r) return store_error(kind, name, r.error());
  if (!r->has_value()) return api::not_found(kind.qualified_resource(), kind.group, kind.plural, name);
  return decode((*r)->value, (*r)->mod_revision);
}

ApiResult<ListPage> ObjectStore::list(const api::KindInfo& kind, const std::string& ns,
                                      const ListOptions& opts,
                                      const std::function<bool(const nlohmann::json&)>& filter) {
  std::string pfx = prefix(kind, ns);
  store::RangeRequest req;
  req.key = pfx;
  req.end = store::prefix_end(pfx);
  req.revision = opts.revision;
  if (!opts.continue_token.empty()) {
    std::string start;
    store::Revision rv = 0;
    if (!decode_continue(opts.continue_token, rv, start) || start.rfind(pfx, 0) != 0) {
      return api::bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    }
    req.key = start;
    req.revision = rv;
  }
  ListPage page;
  // With a filter, a page may need several reads to fill; each reads `limit` more keys at the
  // same revision, so the page stays one consistent snapshot.
  for (;;) {
    req.limit = opts.limit;
    auto r = kv_.range(req);
    if (!r) {
      if (r.error().code == Errc::compacted && !opts.continue_token.empty()) {
        return api::gone("The provided continue parameter is too old to display a consistent list "
                         "result. You can start a new list without the continue parameter.");
      }
      return api::from_store_error(r.error());
    }
    page.revision = r->revision;
    req.revision = r->revision;
    for (auto& kv : r->kvs) {
      auto obj = decode(kv.value, kv.mod_revision);
      if (filter && !filter(obj)) continue;
      page.items.push_back(std::move(obj));
    }
    if (!r->more) break;
    req.key = r->next_key();
    if (opts.limit > 0 && static_cast<int64_t>(page.items.size()) >= opts.limit) {
      page.continue_token = encode_continue(r->revision, req.key);
      if (!filter) page.remaining = r->count - static_cast<int64_t>(r->kvs.size());
      break;
    }
  }
  return page;
}

ApiResult<nlohmann::json> ObjectStore::create(const api::KindInfo& kind, nlohmann::json obj, int64_t lease) {
  std::string ns = obj["metadata"].value("namespace", "");
  std::string name = obj["metadata"].value("name", "");
  auto r = kv_.create(key(kind, ns, name), encode(obj), lease);
  if (!r) return store_error(kind, name, r.error());
  obj["metadata"]["resourceVersion"] = std::to_string(r->revision);
  return obj;
}

ApiResult<nlohmann::json> ObjectStore::update(const api::KindInfo& kind, const std::string& ns,
                                              const std::string& name, const UpdateFn& fn) {
  std::string k = key(kind, ns, name);
  auto cur = kv_.get(k);
  if (!cur) return store_error(kind, name, cur.error());
  std::optional<store::KeyValue> kv = *cur;
  for (int attempt = 0; attempt < 64; ++attempt) {
    if (!kv) return api::not_found(kind.qualified_resource(), kind.group, kind.plural, name);
    auto current = decode(kv->value, kv->mod_revision);
    auto next = fn(current);
    if (!next) return next.error();
    std::string encoded = encode(*next);
    if (encoded == encode(current)) return current;  // nothing changed: no write, same version
    auto r = kv_.update(k, encoded, kv->mod_revision, kv->lease);
    if (r) {
      (*next)["metadata"]["resourceVersion"] = std::to_string(r->revision);
      return *next;
    }
    if (r.error().code != Errc::conflict && r.error().code != Errc::not_found)
      return store_error(kind, name, r.error());
    kv = r.current();
  }
  return api::modified_conflict(kind.qualified_resource(), kind.group, kind.plural, name);
}

ApiResult<nlohmann::json> ObjectStore::remove(const api::KindInfo& kind, const std::string& ns,
                                              const std::string& name, store::Revision expected) {
  auto r = kv_.remove(key(kind, ns, name), expected);
  if (!r) return store_error(kind, name, r.error());
  auto obj = decode(r->prev->value, r->revision);
  return obj;
}

}  // namespace mk::apiserver
