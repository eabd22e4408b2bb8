#include "etcd_client.h"

#include <charconv>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base64.h"
#include "store/kv.h"

namespace mk::bench {

using nlohmann::json;

int64_t json_int64(const json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return 0;
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size() ? value : 0;
  }
  if (it->is_number()) return it->get<int64_t>();
  return 0;
}

EtcdClient::EtcdClient(const std::string& host, int port)
    : http_(std::make_unique<httplib::Client>(host, port)) {
  http_->set_keep_alive(true);
  http_->set_tcp_nodelay(true);  // headers and body go out in separate writes
  http_->set_connection_timeout(5, 0);
  http_->set_read_timeout(60, 0);
  http_->set_write_timeout(10, 0);
}

EtcdClient::~EtcdClient() = default;

Result<json> EtcdClient::post(const std::string& path, const json& body) {
  auto res = http_->Post(path, body.dump(), "application/json");
  if (!res) {
    return make_error(Errc::unavailable, "POST " + path + ": " + httplib::to_string(res.error()));
  }
  json answer = json::parse(res->body, nullptr, false);
  if (res->status != 200) {
    std::string message = res->body;
    if (answer.is_object() && answer.contains("message")) message = answer["message"].dump();
    return make_error(Errc::internal,
                      "POST " + path + ": HTTP " + std::to_string(res->status) + ": " + message);
  }
  if (answer.is_discarded()) return make_error(Errc::internal, "POST " + path + ": bad JSON");
  return answer;
}

Status EtcdClient::health() {
  auto res = http_->Get("/health");
  if (!res) return make_error(Errc::unavailable, "GET /health: " + httplib::to_string(res.error()));
  json answer = json::parse(res->body, nullptr, false);
  if (res->status != 200 || answer.is_discarded() || answer.value("health", "") != "true") {
    return make_error(Errc::unavailable, "GET /health: " + res->body);
  }
  return Status::ok();
}

Result<std::string> EtcdClient::version() {
  auto res = http_->Get("/version");
  if (!res) return make_error(Errc::unavailable, "GET /version: " + httplib::to_string(res.error()));
  json answer = json::parse(res->body, nullptr, false);
  if (res->status != 200 || !answer.is_object()) {
    return make_error(Errc::unavailable, "GET /version: " + res->body);
  }
  return answer.value("etcdserver", std::string("unknown"));
}

Result<int64_t> EtcdClient::guarded_put(const std::string& key, const std::string& value,
                                        int64_t expected_mod_revision, Errc on_failure) {
  std::string k = base64_encode(key);
  json body = {
      {"compare",
       json::array({{{"target", "MOD"},
                     {"key", k},
                     {"mod_revision", std::to_string(expected_mod_revision)},
                     {"result", "EQUAL"}}})},
      {"success", json::array({{{"request_put", {{"key", k}, {"value", base64_encode(value)}}}}})},
      {"failure", json::array({{{"request_range", {{"key", k}}}}})},
  };
  auto answer = post("/v3/kv/txn", body);
  if (!answer) return answer.error();
  if (!answer->value("succeeded", false)) {
    return make_error(on_failure, "txn on " + key + ": compare failed");
  }
  return json_int64(answer->value("header", json::object()), "revision");
}

Result<int64_t> EtcdClient::create(const std::string& key, const std::string& value) {
  return guarded_put(key, value, 0, Errc::already_exists);
}

Result<int64_t> EtcdClient::update(const std::string& key, const std::string& value,
                                   int64_t expected) {
  return guarded_put(key, value, expected, Errc::conflict);
}

Status EtcdClient::put_batch(const std::vector<std::pair<std::string, std::string>>& kvs) {
  json success = json::array();
  for (const auto& [key, value] : kvs) {
    success.push_back(
        {{"request_put", {{"key", base64_encode(key)}, {"value", base64_encode(value)}}}});
  }
  auto answer = post("/v3/kv/txn", json{{"success", std::move(success)}});
  if (!answer) return answer.error();
  return Status::ok();
}

Result<int64_t> EtcdClient::range_prefix(const std::string& prefix) {
  json body = {{"key", base64_encode(prefix)},
               {"range_end", base64_encode(store::prefix_end(prefix))}};
  auto answer = post("/v3/kv/range", body);
  if (!answer) return answer.error();
  int64_t n = 0;
  auto kvs = answer->find("kvs");
  if (kvs == answer->end()) return n;
  for (const auto& kv : *kvs) {
    auto key = base64_decode(kv.value("key", ""));
    auto value = base64_decode(kv.value("value", ""));
    if (!key || !value) return make_error(Errc::internal, "range: undecodable key or value");
    ++n;
  }
  return n;
}

Result<int64_t> EtcdClient::current_revision() {
  auto answer = post("/v3/maintenance/status", json::object());
  if (!answer) return answer.error();
  return json_int64(answer->value("header", json::object()), "revision");
}

Status EtcdClient::compact(int64_t revision, bool physical) {
  auto answer = post("/v3/kv/compaction",
                     json{{"revision", std::to_string(revision)}, {"physical", physical}});
  if (!answer) return answer.error();
  return Status::ok();
}

Result<int64_t> EtcdClient::db_size() {
  auto answer = post("/v3/maintenance/status", json::object());
  if (!answer) return answer.error();
  return json_int64(*answer, "dbSize");
}

Status EtcdClient::defragment() {
  auto answer = post("/v3/maintenance/defragment", json::object());
  if (!answer) return answer.error();
  return Status::ok();
}

}  // namespace mk::bench
