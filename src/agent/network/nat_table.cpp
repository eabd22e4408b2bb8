#include "agent/network/nat_table.h"

#include <nftables/libnftables.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace mk::agent::network {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct CtxFree {
  void operator()(nft_ctx* c) const { nft_ctx_free(c); }
};

// libnftables keeps global state of its own; one script at a time per process.
std::mutex g_nft_mu;

Status run_nft(const std::string& script, const std::string& what) {
  std::lock_guard<std::mutex> lock(g_nft_mu);
  std::unique_ptr<nft_ctx, CtxFree> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) return make_error(Errc::io, what + ": cannot create an nftables context");
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  if (nft_run_cmd_from_buffer(ctx.get(), script.c_str()) != 0) {
    std::string err = nft_ctx_get_error_buffer(ctx.get());
    while (!err.empty() && std::isspace(static_cast<unsigned char>(err.back()))) err.pop_back();
    return make_error(Errc::io, what + ": " + err);
  }
  return Status::ok();
}

}  // namespace

std::string render_nat_table(const NatRules& r) {
  const std::string& t = r.table;
  std::string s;
  s += "add table ip " + t + "\n";
  s += "delete table ip " + t + "\n";
  s += "table ip " + t + " {\n";
  // hostPort: traffic to a local address (from outside, or from the node itself) goes to the pod.
  s += "  chain hostports {\n";
  std::vector<Allocation> pods = r.pods;
  std::sort(pods.begin(), pods.end(), [](const Allocation& a, const Allocation& b) { return a.ip < b.ip; });
  for (const auto& pod : pods) {
    for (const auto& p : pod.host_ports) {
      std::string proto = lower(p.protocol.empty() ? "TCP" : p.protocol);
      if (proto != "tcp" && proto != "udp" && proto != "sctp") continue;
      s += "    ";
      if (!p.host_ip.empty() && p.host_ip != "0.0.0.0") s += "ip daddr " + p.host_ip + " ";
      s += proto + " dport " + std::to_string(p.host_port) + " dnat to " + pod.ip + ":" +
           std::to_string(p.container_port) + " comment \"" + pod.uid + "\"\n";
    }
  }
  s += "  }\n";
  // Numeric priorities: nft 1.0.6 refuses the symbolic "dstnat" on the output hook.
  s += "  chain prerouting {\n    type nat hook prerouting priority -100; policy accept;\n"
       "    fib daddr type local jump hostports\n  }\n";
  s += "  chain output {\n    type nat hook output priority -100; policy accept;\n"
       "    fib daddr type local jump hostports\n  }\n";
  // Pod traffic that leaves the cluster's pod subnets takes the node's address (flannel's ipMasq
  // for the cluster CIDR, here the subnets of the nodes there are); pod-to-pod traffic, across
  // nodes too, keeps its source.
  s += "  chain postrouting {\n    type nat hook postrouting priority 100; policy accept;\n";
  std::string subnets;
  for (const auto& n : r.pod_subnets) subnets += (subnets.empty() ? "" : ", ") + n;
  if (subnets.empty()) subnets = r.pod_cidr;
  s += "    ip saddr " + r.pod_cidr + " ip daddr { " + subnets + " } return\n";
  s += "    ip saddr " + r.pod_cidr + " ip daddr 224.0.0.0/4 return\n";
  s += "    ip saddr " + r.pod_cidr + " masquerade fully-random\n";
  s += "  }\n";
  s += "}\n";
  return s;
}

Status apply_nat_table(const NatRules& rules) {
  return run_nft(render_nat_table(rules), "write nftables table " + rules.table);
}

Status delete_nat_table(const std::string& table) {
  const std::string& t = table;
  return run_nft("add table ip " + t + "\ndelete table ip " + t + "\n", "delete nftables table " + table);
}

}  // namespace mk::agent::network
