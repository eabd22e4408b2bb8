#include "iptables_ruleset.h"

#include <cstdio>

#include "agent/proxy/service_rules.h"

namespace mk::proxybench {

std::string iptables_ruleset(const std::vector<BenchService>& services, const std::string& cluster_cidr) {
  std::string chains = "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-POSTROUTING - [0:0]\n";
  std::string rules =
      "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n"
      "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
      "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n"
      "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE "
      "--random-fully\n";
  for (const auto& s : services) {
    std::string id = s.ns + "/" + s.name + ":http";
    // kube-proxy's chain names: a prefix and 16 characters of a hash.
    std::string svc = "KUBE-SVC-" + agent::proxy::name_hash(id) + agent::proxy::name_hash(id + "#");
    chains += ":" + svc + " - [0:0]\n";
    std::string port = std::to_string(s.port);
    rules += "-A KUBE-SERVICES -d " + s.cluster_ip + "/32 -p tcp -m comment --comment \"" + id +
             " cluster IP\" -m tcp --dport " + port + " -j " + svc + "\n";
    rules += "-A " + svc + " ! -s " + cluster_cidr + " -d " + s.cluster_ip + "/32 -p tcp -m comment --comment \"" + id +
             " cluster IP\" -m tcp --dport " + port + " -j KUBE-MARK-MASQ\n";
    size_t n = s.endpoint_ips.size();
    for (size_t i = 0; i < n; ++i) {
      const std::string& ip = s.endpoint_ips[i];
      std::string ep = ip + ":" + std::to_string(s.endpoint_port);
      std::string sep = "KUBE-SEP-" + agent::proxy::name_hash(id + ep) + agent::proxy::name_hash(ep + id);
      chains += ":" + sep + " - [0:0]\n";
      if (i + 1 < n) {
        char prob[32];
        std::snprintf(prob, sizeof prob, "%.10f", 1.0 / static_cast<double>(n - i));
        rules += "-A " + svc + " -m comment --comment \"" + id + " -> " + ep +
                 "\" -m statistic --mode random --probability " + prob + " -j " + sep + "\n";
      } else {
        rules += "-A " + svc + " -m comment --comment \"" + id + " -> " + ep + "\" -j " + sep + "\n";
      }
      rules += "-A " + sep + " -s " + ip + "/32 -m comment --comment \"" + id + "\" -j KUBE-MARK-MASQ\n";
      rules += "-A " + sep + " -p tcp -m comment --comment \"" + id + "\" -m tcp -j DNAT --to-destination " + ep + "\n";
    }
  }
  rules += "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports\" -m addrtype --dst-type LOCAL -j "
           "KUBE-NODEPORTS\n";
  chains += ":KUBE-NODEPORTS - [0:0]\n";
  return chains + rules + "COMMIT\n";
}

}  // namespace mk::proxybench
