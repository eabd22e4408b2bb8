#include "store/kv.h"

#include <sys/stat.h>

#include "store/sqlite/sqlite_store.h"

namespace mk::store {

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto c = static_cast<unsigned char>(end.back());
    if (c < 0xff) {
      end.back() = static_cast<char>(c + 1);
      return end;
    }
    end.pop_back();
  }
  // Every byte was 0xff: there is no end; a single NUL means "to the end of the keyspace".
  return std::string(1, '\0');
}

std::string RangeResult::next_key() const {
  if (kvs.empty()) return std::string();
  return kvs.back().key + std::string(1, '\0');
}

Result<std::optional<KeyValue>> Store::get(const std::string& key, Revision revision) {
  RangeRequest req;
  req.key = key;
  req.revision = revision;
  auto r = range(req);
  if (!r) return r.error();
  if (r->kvs.empty()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(std::move(r->kvs.front()));
}

Result<int64_t> Store::count(const std::string& key, const std::string& end) {
  RangeRequest req;
  req.key = key;
  req.end = end;
  req.count_only = true;
  auto r = range(req);
  if (!r) return r.error();
  return r->count;
}

Result<std::unique_ptr<Store>> open_sqlite(const SqliteOptions& options) {
  auto s = sqlite::SqliteStore::open(options);
  if (!s) return s.error();
  return std::unique_ptr<Store>(std::move(*s));
}

Result<std::unique_ptr<Store>> open_endpoint(const std::string& endpoint, const std::string& data_dir,
                                             Durability durability) {
  SqliteOptions opts;
  opts.durability = durability;
  std::string path;
  if (endpoint.empty()) {
    std::string dir = data_dir + "/db";
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return errno_error("create " + dir, errno);
    path = dir + "/state.db";
  } else if (endpoint.rfind("sqlite://", 0) == 0) {
    path = endpoint.substr(9);
    if (path.empty()) return make_error(Errc::invalid_argument, "datastore endpoint " + endpoint + ": no path");
    if (path[0] != '/') path = data_dir + "/" + path;
  } else {
    auto colon = endpoint.find("://");
    std::string scheme = colon == std::string::npos ? endpoint : endpoint.substr(0, colon);
    return make_error(Errc::unsupported, "datastore endpoint " + endpoint + ": scheme \"" + scheme +
                                             "\" is not supported (use sqlite://PATH)");
  }
  opts.path = path;
  return open_sqlite(opts);
}

}  // namespace mk::store
