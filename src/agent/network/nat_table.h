#pragma once
// The node's own nftables table (family ip), separate from the service proxy's: masquerade for
// pod traffic leaving the cluster's pod subnets (flannel's rule, without its iptables chains)
// and the hostPort DNATs of the node's pods. It is always written whole, in one transaction that
// deletes and re-creates the table, so it never holds a stale rule.

#include <string>
#include <vector>

#include "agent/network/ipam.h"
#include "common/error.h"

namespace mk::agent::network {

struct NatRules {
  std::string table;         // nftables table name (see names.h)
  std::string pod_cidr;                    // this node's pod subnet
  std::vector<std::string> pod_subnets;    // every node's (this one's included): not masqueraded
  std::vector<Allocation> pods;  // host ports of each pod
};

// The nft script: "add table" + "delete table" (so it works whether or not the table exists)
// followed by the table's full content.
std::string render_nat_table(const NatRules& rules);

// Runs the script through libnftables in the caller's network namespace.
Status apply_nat_table(const NatRules& rules);
// Removes the table; a missing one is fine.
Status delete_nat_table(const std::string& table);

}  // namespace mk::agent::network
