#pragma once
// A client for etcd's JSON gateway (/v3/...) over one keep-alive HTTP connection. Keys and values
// travel base64-encoded and int64 fields as strings. Use one client per thread.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/error.h"

namespace httplib {
class Client;
}

namespace mk::bench {

class EtcdClient {
 public:
  EtcdClient(const std::string& host, int port);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  // POSTs a JSON body and returns the parsed answer; an HTTP error status becomes an Error.
  Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body);
  // GET /health answers {"health":"true"}.
  Status health();
  // GET /version: the server's version string.
  Result<std::string> version();

  // The API server's create: txn compare MOD == 0, put on success. Returns the new revision;
  // Errc::already_exists if the key is live.
  Result<int64_t> create(const std::string& key, const std::string& value);
  // The API server's update: txn compare MOD == expected. Errc::conflict if it moved.
  Result<int64_t> update(const std::string& key, const std::string& value, int64_t expected);
  // One txn with an unconditional put per pair (etcd allows 128 ops per txn by default).
  Status put_batch(const std::vector<std::pair<std::string, std::string>>& kvs);
  // Ranges over the prefix and decodes every key and value; returns how many there were.
  Result<int64_t> range_prefix(const std::string& prefix);

  Result<int64_t> current_revision();
  Status compact(int64_t revision, bool physical);
  Result<int64_t> db_size();
  Status defragment();

 private:
  Result<int64_t> guarded_put(const std::string& key, const std::string& value,
                              int64_t expected_mod_revision, Errc on_failure);

  std::unique_ptr<httplib::Client> http_;
};

// An int64 field of a gateway answer: a JSON string, a number, or absent (zero).
int64_t json_int64(const nlohmann::json& object, const char* field);

}  // namespace mk::bench
