#include "agent/network/flannel.h"

#include <nlohmann/json.hpp>

#include <thread>

#include "api/json_path.h"
#include "common/log.h"

namespace mk::agent::network {
namespace {

using nlohmann::json;

const client::Resource kNodes{"", "v1", "nodes"};
const std::string kPrefix = "flannel.alpha.coreos.com/";

std::string annotation(const json& node, const std::string& key) {
  const json* a = api::find_path(node, "metadata.annotations");
  if (!a || !a->is_object() || !a->contains(kPrefix + key) || !(*a)[kPrefix + key].is_string()) return "";
  return (*a)[kPrefix + key].get<std::string>();
}

std::string vtep_mac_of(const json& node) {
  json data = json::parse(annotation(node, "backend-data"), nullptr, false);
  if (!data.is_object() || !data.contains("VtepMAC") || !data["VtepMAC"].is_string()) return "";
  return data["VtepMAC"].get<std::string>();
}

}  // namespace

Flannel::Flannel(client::ApiClient& client, FlannelSettings settings, std::unique_ptr<PodNetwork> network)
    : client_(client), settings_(std::move(settings)), network_(std::move(network)) {}

Flannel::~Flannel() { stop(); }

Result<std::unique_ptr<Flannel>> Flannel::open(client::ApiClient& client, FlannelSettings settings) {
  // The node IPAM controller assigns the subnet shortly after the Node is registered.
  auto deadline = std::chrono::steady_clock::now() + settings.pod_cidr_timeout;
  json node;
  std::string pod_cidr, last_error;
  while (true) {
    auto got = client.get(kNodes, "", settings.node_name);
    if (got) {
      node = *got;
      pod_cidr = api::string_at(node, "spec.podCIDR");
      if (!pod_cidr.empty()) break;
    } else {
      last_error = got.error().message;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error(Errc::unavailable, "node " + settings.node_name + " got no spec.podCIDR within " +
                                               std::to_string(settings.pod_cidr_timeout.count() / 1000) +
                                               " s (is the server's --cluster-cidr full?)" +
                                               (last_error.empty() ? "" : ": " + last_error));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  NetworkConfig config;
  config.node_name = settings.node_name;
  config.state_dir = settings.state_dir;
  config.pod_cidr = pod_cidr;
  config.node_ip = settings.node_ip;
  config.backend = settings.backend;
  // The VXLAN MAC stays what other nodes know when the device has to be re-created.
  if (annotation(node, "backend-type") == backend_name(settings.backend)) config.vtep_mac = vtep_mac_of(node);
  auto network = PodNetwork::start(config);
  if (!network) return network.error().wrap("pod network");
  std::unique_ptr<Flannel> f(new Flannel(client, std::move(settings), std::move(*network)));
  if (auto s = f->publish(f->network_->config().vtep_mac); !s) return s.error();
  return f;
}

Status Flannel::publish(const std::string& vtep_mac) {
  if (published_ && vtep_mac == published_mac_) return Status::ok();
  json data = settings_.backend == Backend::vxlan && !vtep_mac.empty() ? json{{"VNI", 1}, {"VtepMAC", vtep_mac}} : json();
  json annotations = {{kPrefix + "backend-type", backend_name(settings_.backend)},
                      {kPrefix + "backend-data", data.dump()},
                      {kPrefix + "public-ip", settings_.node_ip},
                      {kPrefix + "kube-subnet-manager", "true"}};
  auto r = client_.patch(kNodes, "", settings_.node_name, "application/merge-patch+json",
                         json{{"metadata", {{"annotations", annotations}}}}.dump());
  if (!r) return make_error(Errc::unavailable, "annotate node " + settings_.node_name + ": " + r.error().message);
  published_ = true;
  published_mac_ = vtep_mac;
  return Status::ok();
}

void Flannel::start() {
  nodes_ = std::make_unique<client::Informer>(client_, kNodes);
  nodes_->add_handler([this](client::ChangeType, const json&, const json*) {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = true;
    wake_.notify_one();
  });
  nodes_->start();
  thread_ = std::thread([this] { run(); });
}

void Flannel::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  if (nodes_) nodes_->stop();
}

void Flannel::run() {
  bool failed = false;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      // A failed sync is tried again after a while even without news.
      wake_.wait_for(lock, std::chrono::seconds(failed ? 2 : 30), [this] { return dirty_ || stopping_; });
      if (stopping_) return;
      dirty_ = false;
    }
    if (!nodes_->synced()) {
      failed = true;
      continue;
    }
    failed = !sync();
  }
}

bool Flannel::sync() {
  std::vector<RemoteNode> remotes;
  bool any_remote = false;
  for (const auto& node : nodes_->list()) {
    RemoteNode r;
    r.name = api::string_at(node, "metadata.name");
    r.pod_cidr = api::string_at(node, "spec.podCIDR");
    if (r.name == settings_.node_name || r.pod_cidr.empty()) continue;
    // Every node's subnet counts as inside the cluster; only nodes that publish how to reach
    // them over the same backend get a route.
    if (annotation(node, "kube-subnet-manager") == "true" && annotation(node, "backend-type") == backend_name(settings_.backend)) {
      r.public_ip = annotation(node, "public-ip");
      r.vtep_mac = vtep_mac_of(node);
      if (!r.public_ip.empty() && r.public_ip != settings_.node_ip) any_remote = true;
    }
    remotes.push_back(std::move(r));
  }
  bool ok = true;
  if (any_remote && settings_.backend == Backend::vxlan) {
    auto mac = network_->ensure_vtep();
    Status published = mac ? publish(*mac) : Status(mac.error());
    if (!published) {
      MK_LOG(warn) << "network: " << published.error().message;
      ok = false;
    }
  }
  if (auto s = network_->set_remotes(remotes); !s) {
    MK_LOG(warn) << "network: " << s.error().message;
    ok = false;
  }
  return ok;
}

}  // namespace mk::agent::network
