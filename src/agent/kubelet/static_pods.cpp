#include "agent/kubelet/static_pods.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "api/json_path.h"
#include "api/timestamp.h"
#include "api/yaml_json.h"
#include "common/log.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const client::Resource kPods{"", "v1", "pods"};
constexpr const char* kMirror = "kubernetes.io/config.mirror";
constexpr const char* kHash = "kubernetes.io/config.hash";
constexpr const char* kSource = "kubernetes.io/config.source";
constexpr const char* kSeen = "kubernetes.io/config.seen";

std::string md5_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<json> mirror_pod(const json& manifest, const std::string& node_name, const std::string& node_uid,
                        const std::string& now) {
  if (!manifest.is_object() || manifest.value("kind", "") != "Pod")
    return make_error(Errc::invalid_argument, "not a Pod manifest (kind must be Pod)");
  json pod = manifest;
  json& meta = pod["metadata"];
  if (!meta.is_object()) meta = json::object();
  std::string name = meta.value("name", "");
  if (name.empty()) return make_error(Errc::invalid_argument, "the Pod has no metadata.name");
  if (!pod.contains("spec") || !pod["spec"].is_object())
    return make_error(Errc::invalid_argument, "the Pod has no spec");
  if (meta.value("namespace", "").empty()) meta["namespace"] = "default";
  meta.erase("uid");
  meta.erase("resourceVersion");
  meta["name"] = name + "-" + lower(node_name);
  pod["apiVersion"] = "v1";
  pod["spec"]["nodeName"] = node_name;
  // Static pods stay on their node whatever it is tainted with.
  json tolerations = pod["spec"].value("tolerations", json::array());
  bool tolerant = false;
  for (const auto& t : tolerations)
    tolerant = tolerant || (t.value("operator", "") == "Exists" && t.value("key", "").empty() &&
                            (t.value("effect", "").empty() || t.value("effect", "") == "NoExecute"));
  if (!tolerant) tolerations.push_back({{"operator", "Exists"}, {"effect", "NoExecute"}});
  pod["spec"]["tolerations"] = tolerations;
  pod.erase("status");
  std::string hash = md5_hex(pod.dump() + "\n" + node_name);
  if (!meta.contains("annotations") || !meta["annotations"].is_object()) meta["annotations"] = json::object();
  meta["annotations"][kHash] = hash;
  meta["annotations"][kMirror] = hash;
  meta["annotations"][kSource] = "file";
  meta["annotations"][kSeen] = now;
  if (!node_uid.empty()) {
    meta["ownerReferences"] = json::array(
        {{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node_name}, {"uid", node_uid}, {"controller", true}}});
  }
  return pod;
}

StaticPods::StaticPods(client::ApiClient& client, StaticPodSettings settings)
    : client_(client), settings_(std::move(settings)) {}

StaticPods::~StaticPods() { stop(); }

void StaticPods::start() {
  thread_ = std::thread([this] { run(); });
}

void StaticPods::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void StaticPods::run() {
  while (true) {
    sync();
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, settings_.period, [this] { return stopping_; })) return;
  }
}

void StaticPods::sync() {
  std::error_code ec;
  bool have_dir = fs::is_directory(settings_.manifest_dir, ec);
  // Desired mirror pods by namespace/name.
  std::map<std::string, json> wanted;
  std::string now = api::format_time(std::chrono::system_clock::now());
  if (have_dir && node_uid_.empty()) {
    if (auto node = client_.get({"", "v1", "nodes"}, "", settings_.node_name)) node_uid_ = api::string_at(*node, "metadata.uid");
  }
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(settings_.manifest_dir, ec)) {
    std::string file = entry.path().filename();
    if (file.empty() || file[0] == '.' || !entry.is_regular_file(ec)) continue;
    files.insert(file);
    auto parsed = api::yaml_to_json(read_text(entry.path()));
    Result<json> pod = parsed ? mirror_pod(*parsed, settings_.node_name, node_uid_, now) : Result<json>(parsed.error());
    if (!pod) {
      if (reported_[file] != pod.error().message)
        MK_LOG(warn) << "kubelet: static pod manifest " << entry.path().string() << ": " << pod.error().message;
      reported_[file] = pod.error().message;
      continue;
    }
    reported_.erase(file);
    std::string key = api::string_at(*pod, "metadata.namespace") + "/" + api::string_at(*pod, "metadata.name");
    wanted[key] = std::move(*pod);
  }
  for (auto it = reported_.begin(); it != reported_.end();) it = files.count(it->first) ? std::next(it) : reported_.erase(it);

  // Nothing to run and no mirror pod seen last time: no need to ask the API.
  if (wanted.empty() && !mirrors_seen_) return;
  client::ListOptions on_node;
  on_node.field_selector = "spec.nodeName=" + settings_.node_name;
  auto current = client_.list(kPods, "", on_node);
  if (!current) {
    if (!wanted.empty()) MK_LOG(warn) << "kubelet: static pods: list pods: " << current.error().message;
    return;
  }
  std::set<std::string> present;
  for (const auto& pod : current->value("items", json::array())) {
    const json* annotations = api::find_path(pod, "metadata.annotations");
    if (!annotations || !annotations->is_object() || !annotations->contains(kMirror) ||
        annotations->value(kSource, "") != "file")
      continue;
    std::string ns = api::string_at(pod, "metadata.namespace");
    std::string name = api::string_at(pod, "metadata.name");
    std::string key = ns + "/" + name;
    auto want = wanted.find(key);
    bool same = false;
    if (want != wanted.end()) {
      const json& wa = want->second["metadata"]["annotations"];
      same = annotations->value(kHash, "") == wa.value(kHash, "");
    }
    if (same || api::find_path(pod, "metadata.deletionTimestamp")) {
      present.insert(key);
      continue;
    }
    // A removed or changed manifest: the old pod goes (gracefully, through the pod worker).
    MK_LOG(info) << "kubelet: static pod " << key << (want == wanted.end() ? " removed" : " changed") << "; deleting its mirror pod";
    json options = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"},
                    {"preconditions", {{"uid", api::string_at(pod, "metadata.uid")}}}};
    auto r = client_.remove(kPods, ns, name, options);
    if (!r && !r.not_found() && !r.conflict()) MK_LOG(warn) << "kubelet: delete mirror pod " << key << ": " << r.error().message;
    present.insert(key);  // made again from the new manifest once the old one is gone
  }
  // Mirror pods made now are seen next time, even if their manifest goes meanwhile.
  mirrors_seen_ = !present.empty() || !wanted.empty();
  for (const auto& [key, pod] : wanted) {
    if (present.count(key)) continue;
    auto r = client_.create(kPods, api::string_at(pod, "metadata.namespace"), pod);
    if (r) MK_LOG(info) << "kubelet: created mirror pod " << key;
    else if (!r.conflict() && create_errors_[key] != r.error().message)
      MK_LOG(warn) << "kubelet: create mirror pod " << key << ": " << r.error().message;
    if (r) create_errors_.erase(key);
    else create_errors_[key] = r.error().message;
  }
}

}  // namespace mk::agent::kubelet
