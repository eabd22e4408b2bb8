// The HTTPS API client (src/client/https_client) against the built server: REST calls with
// Status errors, watches, an informer fed over HTTPS, and refused credentials.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "client/https_client.h"
#include "client/informer.h"
#include "e2e/harness.h"

using namespace mk;
using namespace mk::e2e;
using nlohmann::json;

namespace {

const client::Resource kConfigMaps{"", "v1", "configmaps"};
const client::Resource kDeployments{"apps", "v1", "deployments"};

std::unique_ptr<client::ApiClient> admin_client(const Server& server) {
  client::HttpsClientConfig c;
  c.server = server.url();
  c.ca_pem = read_file(server.ca_file());
  c.cert_pem = read_file(server.client_cert_file());
  c.key_pem = read_file(server.client_key_file());
  auto made = client::make_https_client(c);
  REQUIRE(made);
  return std::move(*made);
}

json config_map(const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"k", value}}}};
}

}  // namespace

TEST_CASE("REST calls over HTTPS return objects and Status errors") {
  Server server;
  auto api = admin_client(server);

  auto created = api->create(kConfigMaps, "default", config_map("one", "a"));
  REQUIRE(created);
  CHECK((*created)["metadata"]["uid"].is_string());

  auto dup = api->create(kConfigMaps, "default", config_map("one", "a"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == 409);
  CHECK(dup.error().reason == "AlreadyExists");

  json changed = *created;
  changed["data"]["k"] = "b";
  auto updated = api->update(kConfigMaps, "default", changed);
  REQUIRE(updated);
  CHECK((*updated)["data"]["k"] == "b");

  // The old resourceVersion is stale now.
  auto stale = api->update(kConfigMaps, "default", changed);
  REQUIRE_FALSE(stale);
  CHECK(stale.conflict());

  auto patched = api->patch(kConfigMaps, "default", "one", "application/merge-patch+json", R"({"data":{"k":"c"}})");
  REQUIRE(patched);
  CHECK((*patched)["data"]["k"] == "c");

  auto list = api->list(kConfigMaps, "default", {});
  REQUIRE(list);
  bool found = false;
  for (const auto& item : (*list)["items"]) found |= item["metadata"]["name"] == "one";
  CHECK(found);

  auto removed = api->remove(kConfigMaps, "default", "one", json{{"propagationPolicy", "Background"}});
  REQUIRE(removed);
  auto missing = api->get(kConfigMaps, "default", "one");
  REQUIRE_FALSE(missing);
  CHECK(missing.not_found());

  auto bad_group = api->get(kDeployments, "default", "nope");
  CHECK(bad_group.not_found());
}

TEST_CASE("an informer over HTTPS sees the current state and later changes") {
  Server server;
  auto api = admin_client(server);
  REQUIRE(api->create(kConfigMaps, "default", config_map("before", "1")));

  std::mutex mu;
  std::vector<std::string> added, deleted;
  client::Informer informer(*api, kConfigMaps, "default");
  informer.add_handler([&](client::ChangeType type, const json& obj, const json*) {
    std::lock_guard lock(mu);
    std::string name = obj["metadata"].value("name", "");
    if (type == client::ChangeType::added) added.push_back(name);
    if (type == client::ChangeType::deleted) deleted.push_back(name);
  });
  informer.start();
  REQUIRE(informer.wait_synced(10'000));
  CHECK(informer.get("default", "before"));

  REQUIRE(api->create(kConfigMaps, "default", config_map("after", "2")));
  REQUIRE(api->remove(kConfigMaps, "default", "before", json::object()));
  CHECK(poll_until([&] { return informer.get("default", "after").has_value(); }, 10s));
  CHECK(poll_until([&] { return !informer.get("default", "before").has_value(); }, 10s));
  informer.stop();
  std::lock_guard lock(mu);
  CHECK(std::find(added.begin(), added.end(), "after") != added.end());
  CHECK(std::find(deleted.begin(), deleted.end(), "before") != deleted.end());
}

TEST_CASE("a watch dropped the moment it was made stops at once") {
  Server server;
  auto api = admin_client(server);
  // The stream may not be in flight yet when the handle goes; it must not be left waiting for
  // events that never come.
  // From a list's revision, as informers watch: nothing is sent until something changes.
  auto list = api->list(kConfigMaps, "nothing-here", {});
  REQUIRE(list);
  client::WatchOptions from_list;
  from_list.resource_version = (*list)["metadata"].value("resourceVersion", "");
  for (int i = 0; i < 20; ++i) {
    auto started = std::chrono::steady_clock::now();
    {
      auto w = api->watch(kConfigMaps, "nothing-here", from_list, [](const client::WatchEvent&) { return true; }, nullptr);
      REQUIRE(w);
      if (i % 2) std::this_thread::sleep_for(std::chrono::milliseconds(i));
    }
    CHECK(std::chrono::steady_clock::now() - started < 5s);
  }
}

TEST_CASE("a wrong token is refused and an unverifiable server is not trusted") {
  Server server;
  client::HttpsClientConfig c;
  c.server = server.url();
  c.ca_pem = read_file(server.ca_file());
  c.bearer_token = "not-a-token";
  auto made = client::make_https_client(c);
  REQUIRE(made);
  auto r = (*made)->get(kConfigMaps, "default", "x");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == 401);

  // A CA that did not sign the server's certificate: the TLS handshake fails.
  client::HttpsClientConfig other = c;
  other.ca_pem = read_file(server.client_cert_file());  // a certificate, but not the server's CA
  auto made2 = client::make_https_client(other);
  REQUIRE(made2);
  auto r2 = (*made2)->get(kConfigMaps, "default", "x");
  REQUIRE_FALSE(r2);
  CHECK(r2.error().code == 503);

  client::HttpsClientConfig plain;
  plain.server = "http://127.0.0.1:1";
  CHECK_FALSE(client::make_https_client(plain));
}
