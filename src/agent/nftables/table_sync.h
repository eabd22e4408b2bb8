#pragma once
// Incremental programming of one nftables table of ours. Each owner (a Service, a pod)
// contributes a Fragment: chains with their rules, named sets, and elements of the table's
// maps. A plan turns the applied state into the wanted one touching only what differs: an
// unchanged chain keeps its rules (and their handles), map elements are deleted and added one
// by one, and nothing is flushed wholesale, so other owners' traffic never sees a gap.
//
// Chains and sets that fall out of use are flushed at once but deleted in a later transaction:
// kernels before 6.2 refuse to delete a chain in the transaction that drops the last map
// element pointing at it (kube-proxy's nftables mode waits the same way).

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mk::agent::nftables {

struct Fragment {
  std::map<std::string, std::vector<std::string>> chains;  // name -> rules, in order
  std::map<std::string, std::string> sets;                 // name -> "{ type ...; flags ...; }"
  // map or set name -> key -> value ("goto chain", "drop"; "" for a set's element). Owners may
  // share an element by giving it the same value; otherwise the first holder keeps it.
  std::map<std::string, std::map<std::string, std::string>> elements;
  bool empty() const { return chains.empty() && sets.empty() && elements.empty(); }
  bool operator==(const Fragment&) const = default;
};

class TableSync {
 public:
  using Clock = std::chrono::steady_clock;

  // `family` "ip", "ip6" or "inet"; `skeleton` the body of the table (base chains, shared
  // chains and maps) in nft's `table ... { }` syntax, without the braces.
  TableSync(std::string family, std::string table, std::string skeleton);

  const std::string& family() const { return family_; }
  const std::string& table() const { return table_; }

  // The changes of a set of owners, as one transaction.
  struct Plan {
    std::string script;
    std::vector<std::pair<std::string, Fragment>> results;  // owner -> fragment as it will be applied
    std::vector<std::string> conflicts;  // objects left out because another owner holds them
    bool recreate = false;
    bool empty() const { return script.empty(); }
  };
  // What turns the applied state of `owners` into `wanted` (an empty fragment removes an
  // owner). With `recreate`, the script first deletes and recreates the table with its skeleton
  // and every other applied owner (used at start, and to recover from a refused transaction).
  Plan plan(const std::map<std::string, Fragment>& wanted, bool recreate = false) const;
  // Records a plan the kernel accepted.
  void commit(const Plan& plan, Clock::time_point now);

  // Deletions of chains and sets unused since `delay` before `now` ("" if none); call
  // deletions_done() with the same arguments after running them.
  std::string deletions_script(Clock::time_point now, std::chrono::milliseconds delay) const;
  void deletions_done(Clock::time_point now, std::chrono::milliseconds delay);
  std::optional<Clock::time_point> next_deletion(std::chrono::milliseconds delay) const;

  const std::map<std::string, Fragment>& applied() const { return applied_; }
  size_t chain_count() const { return chain_owner_.size(); }

 private:
  std::string family_, table_, skeleton_;
  std::map<std::string, Fragment> applied_;
  std::map<std::string, std::string> chain_owner_, set_owner_;
  // A map or set element may be held by several owners when they agree on its value (two
  // Services with the same endpoint share its hairpin element): it goes when the last one lets go.
  struct KeyHold {
    std::string value;
    std::set<std::string> owners;
  };
  std::map<std::string, std::map<std::string, KeyHold>> key_owner_;  // map -> key -> holders
  std::map<std::string, Clock::time_point> stale_chains_, stale_sets_;   // flushed, not yet deleted
};

}  // namespace mk::agent::nftables
