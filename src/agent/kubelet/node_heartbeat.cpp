#include "agent/kubelet/node_heartbeat.h"

#include <nlohmann/json.hpp>

#include "api/timestamp.h"
#include "client/client.h"
#include "common/log.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;

const client::Resource kNodes{"", "v1", "nodes"};
const client::Resource kLeases{"coordination.k8s.io", "v1", "leases"};
constexpr int kLeaseSeconds = 40;

Error api_error(const std::string& what, const api::ApiError& e) {
  return make_error(e.code == 409 ? Errc::conflict : Errc::unavailable, what + ": " + e.message);
}

}  // namespace

NodeHeartbeat::NodeHeartbeat(client::ApiClient& client, NodeSettings settings, HostFacts facts,
                             std::chrono::milliseconds interval)
    : client_(client), settings_(std::move(settings)), facts_(std::move(facts)), interval_(interval) {}

NodeHeartbeat::~NodeHeartbeat() { stop(); }

Status NodeHeartbeat::register_node() {
  auto created = client_.create(kNodes, "", make_node(settings_, facts_));
  if (created) {
    node_uid_ = (*created)["metadata"].value("uid", "");
    MK_LOG(info) << "kubelet: registered node " << settings_.name;
  } else if (created.error().code == 409) {
    // A node of this name exists (a restart): keep it, refresh what we own.
    auto existing = client_.get(kNodes, "", settings_.name);
    if (!existing) return api_error("get node " + settings_.name, existing.error());
    node_uid_ = (*existing)["metadata"].value("uid", "");
    json labels = make_node(settings_, facts_)["metadata"]["labels"];
    auto patched = client_.patch(kNodes, "", settings_.name, "application/merge-patch+json",
                                 json{{"metadata", {{"labels", labels}}}}.dump());
    if (!patched) return api_error("update node " + settings_.name, patched.error());
    MK_LOG(info) << "kubelet: node " << settings_.name << " already registered; updated it";
  } else {
    return api_error("register node " + settings_.name, created.error());
  }
  return beat();
}

Status NodeHeartbeat::beat() {
  if (auto ok = renew_lease(); !ok) return ok;
  return post_status();
}

Status NodeHeartbeat::renew_lease() {
  std::string now = api::format_micro_time(std::chrono::system_clock::now());
  auto current = client_.get(kLeases, "kube-node-lease", settings_.name);
  if (current.not_found()) {
    auto made = client_.create(kLeases, "kube-node-lease", make_lease(settings_.name, node_uid_, now, kLeaseSeconds));
    if (!made && made.error().code != 409) return api_error("create lease " + settings_.name, made.error());
    return Status::ok();
  }
  if (!current) return api_error("get lease " + settings_.name, current.error());
  json lease = *current;
  lease["spec"]["holderIdentity"] = settings_.name;
  lease["spec"]["leaseDurationSeconds"] = kLeaseSeconds;
  lease["spec"]["renewTime"] = now;
  auto updated = client_.update(kLeases, "kube-node-lease", lease);
  if (!updated) return api_error("renew lease " + settings_.name, updated.error());
  return Status::ok();
}

Status NodeHeartbeat::post_status() {
  // Read-modify-write of the status subresource, retried when another writer got in between.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto node = client_.get(kNodes, "", settings_.name);
    if (!node) return api_error("get node " + settings_.name, node.error());
    json next = *node;
    json previous = next.value("status", json::object());
    json status = node_status(settings_, facts_, api::format_time(std::chrono::system_clock::now()), previous);
    {
      std::lock_guard lock(images_mu_);
      if (images_source_) status["images"] = images_source_();
    }
    // Fields other components own (volumes) stay as they are.
    for (auto it = previous.begin(); it != previous.end(); ++it)
      if (!status.contains(it.key())) status[it.key()] = it.value();
    next["status"] = status;
    auto written = client_.update(kNodes, "", next, "status");
    if (written) return Status::ok();
    if (!written.conflict()) return api_error("update node status " + settings_.name, written.error());
  }
  return make_error(Errc::conflict, "update node status " + settings_.name + ": kept conflicting");
}

void NodeHeartbeat::set_images_source(std::function<json()> source) {
  std::lock_guard lock(images_mu_);
  images_source_ = std::move(source);
}

void NodeHeartbeat::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (cv_.wait_for(lock, interval_, [this] { return stop_; })) break;
      lock.unlock();
      if (auto ok = beat(); !ok) MK_LOG(warn) << "kubelet: heartbeat: " << ok.error().message;
      lock.lock();
    }
  });
}

void NodeHeartbeat::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace mk::agent::kubelet
