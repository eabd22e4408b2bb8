#include "server/controllers/node_ipam_controller.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <thread>

#include "api/json_path.h"
#include "client/work_queue.h"
#include "common/log.h"
#include "server/controllers/informer_factory.h"

namespace mk::controllers {
namespace {

using nlohmann::json;

const client::Resource kNodes{"", "v1", "nodes"};

struct Cidr {
  uint32_t base = 0;  // host order
  int prefix = 0;
};

std::optional<Cidr> parse_cidr(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  in_addr a{};
  if (inet_pton(AF_INET, text.substr(0, slash).c_str(), &a) != 1) return std::nullopt;
  int prefix = 0;
  try {
    prefix = std::stoi(text.substr(slash + 1));
  } catch (...) {
    return std::nullopt;
  }
  if (prefix < 0 || prefix > 32) return std::nullopt;
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return Cidr{ntohl(a.s_addr) & mask, prefix};
}

std::string format_cidr(uint32_t base, int prefix) {
  in_addr a{htonl(base)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix);
}

class NodeIpamController final : public Controller {
 public:
  NodeIpamController(Cidr cluster, int node_prefix) : cluster_(cluster), node_prefix_(node_prefix) {}

  std::string name() const override { return "node-ipam"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    informer_ = &informers.get(kNodes);
    informer_->add_handler([this](client::ChangeType type, const json& obj, const json*) {
      std::string node = api::string_at(obj, "metadata.name");
      std::lock_guard lock(mu_);
      if (type == client::ChangeType::deleted) {
        held_.erase(node);  // its range is free again
        return;
      }
      std::string cidr = api::string_at(obj, "spec.podCIDR");
      if (!cidr.empty()) held_[node] = cidr;
      else queue_.add(node);
    });
  }

  void run() override {
    worker_ = std::thread([this] {
      while (auto node = queue_.get()) {
        if (sync(*node)) queue_.forget(*node);
        else queue_.add_rate_limited(*node);
        queue_.done(*node);
      }
    });
  }

  void stop() override {
    queue_.shutdown();
    if (worker_.joinable()) worker_.join();
  }

 private:
  bool sync(const std::string& node) {
    auto obj = informer_->get("", node);
    if (!obj || !api::string_at(*obj, "spec.podCIDR").empty()) return true;
    std::string cidr;
    {
      std::lock_guard lock(mu_);
      if (auto it = held_.find(node); it != held_.end()) {
        cidr = it->second;  // assigned by us, not yet seen back
      } else {
        std::set<std::string> used;
        for (const auto& [n, c] : held_) used.insert(c);
        uint64_t count = node_prefix_ >= cluster_.prefix ? uint64_t{1} << (node_prefix_ - cluster_.prefix) : 0;
        for (uint64_t i = 0; i < count; ++i) {
          std::string candidate = format_cidr(cluster_.base + static_cast<uint32_t>(i << (32 - node_prefix_)), node_prefix_);
          if (!used.count(candidate)) {
            cidr = candidate;
            break;
          }
        }
        if (cidr.empty()) {
          MK_LOG(error) << "node-ipam: no free /" << node_prefix_ << " left in the cluster CIDR for node " << node;
          return true;  // retried when a node goes away
        }
        held_[node] = cidr;
      }
    }
    json patch = {{"spec", {{"podCIDR", cidr}, {"podCIDRs", json::array({cidr})}}}};
    auto r = client_->patch(kNodes, "", node, "application/merge-patch+json", patch.dump());
    if (!r && !r.not_found()) {
      MK_LOG(warn) << "node-ipam: assign " << cidr << " to node " << node << ": " << r.error().message;
      return false;
    }
    MK_LOG(info) << "node-ipam: node " << node << " gets pod CIDR " << cidr;
    return true;
  }

  Cidr cluster_;
  int node_prefix_;
  client::ApiClient* client_ = nullptr;
  client::Informer* informer_ = nullptr;
  std::mutex mu_;
  std::map<std::string, std::string> held_;  // node -> CIDR
  client::WorkQueue queue_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Controller> make_node_ipam_controller(const std::string& cluster_cidr, int node_prefix) {
  auto cidr = parse_cidr(cluster_cidr);
  if (!cidr) cidr = parse_cidr("10.42.0.0/16");
  return std::make_unique<NodeIpamController>(*cidr, node_prefix);
}

}  // namespace mk::controllers
