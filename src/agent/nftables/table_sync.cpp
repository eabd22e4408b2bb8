#include "agent/nftables/table_sync.h"


namespace mk::agent::nftables {
namespace {

// Appends the commands of one owner's change, phase by phase, so that the whole transaction
// creates before it refers and unrefers before it flushes.
struct Phases {
  std::string add_chains, add_sets, rules, delete_elements, add_elements;
  std::vector<std::string> gone_chains;  // flushed last, unless another owner takes them over
};

}  // namespace

TableSync::TableSync(std::string family, std::string table, std::string skeleton)
    : family_(std::move(family)), table_(std::move(table)), skeleton_(std::move(skeleton)) {}

TableSync::Plan TableSync::plan(const std::map<std::string, Fragment>& wanted, bool recreate) const {
  Plan plan;
  plan.recreate = recreate;
  const std::string t = family_ + " " + table_;
  Phases ph;
  static const Fragment kNone;

  // Who would hold an object if it is free for `owner`: nobody else holding it, or its holder
  // re-planned here without it.
  std::map<std::string, std::string> claimed_chains, claimed_sets;
  auto holder_lets_go = [&](const std::string& holder, auto&& still_wants) {
    auto it = wanted.find(holder);
    return it != wanted.end() && !still_wants(it->second);
  };
  auto chain_free = [&](const std::string& owner, const std::string& name) {
    if (auto c = claimed_chains.find(name); c != claimed_chains.end()) return c->second == owner;
    auto h = chain_owner_.find(name);
    if (h == chain_owner_.end() || h->second == owner) return true;
    return holder_lets_go(h->second, [&](const Fragment& f) { return f.chains.count(name) > 0; });
  };
  auto set_free = [&](const std::string& owner, const std::string& name) {
    if (auto c = claimed_sets.find(name); c != claimed_sets.end()) return c->second == owner;
    auto h = set_owner_.find(name);
    if (h == set_owner_.end() || h->second == owner) return true;
    return holder_lets_go(h->second, [&](const Fragment& f) { return f.sets.count(name) > 0; });
  };
  // An element is free for `owner` when nobody holds it with another value, counting the
  // holders re-planned here as they will be.
  std::map<std::string, std::map<std::string, std::string>> claimed_keys;  // value claimed in this plan
  auto key_free = [&](const std::string& owner, const std::string& map, const std::string& key, const std::string& value) {
    auto& claimed = claimed_keys[map];
    if (auto c = claimed.find(key); c != claimed.end()) return c->second == value;
    auto m = key_owner_.find(map);
    if (m == key_owner_.end()) return true;
    auto h = m->second.find(key);
    if (h == m->second.end() || h->second.value == value) return true;
    for (const auto& holder : h->second.owners) {
      if (holder == owner) continue;
      auto it = wanted.find(holder);
      if (it == wanted.end()) return false;
      auto e = it->second.elements.find(map);
      if (e != it->second.elements.end() && e->second.count(key)) return false;
    }
    return true;
  };

  auto emit = [&](const Fragment& old, const Fragment& now) {
    for (const auto& [name, rules] : now.chains) {
      auto was = old.chains.find(name);
      if (was == old.chains.end()) {
        ph.add_chains += "add chain " + t + " " + name + "\n";
        // Left over (flushed, awaiting deletion) or handed over by another owner: it may hold rules.
        if (!recreate && (stale_chains_.count(name) || chain_owner_.count(name)))
          ph.rules += "flush chain " + t + " " + name + "\n";
      } else if (was->second == rules) {
        continue;
      } else {
        ph.rules += "flush chain " + t + " " + name + "\n";
      }
      for (const auto& r : rules) ph.rules += "add rule " + t + " " + name + " " + r + "\n";
    }
    for (const auto& [name, decl] : now.sets) {
      if (!old.sets.count(name)) ph.add_sets += "add set " + t + " " + name + " " + decl + "\n";
    }
    for (const auto& [name, rules] : old.chains) {
      if (!now.chains.count(name) && !rules.empty()) ph.gone_chains.push_back(name);
    }
  };

  for (const auto& [owner, want] : wanted) {
    // Leave out whatever another owner holds.
    Fragment result;
    for (const auto& [name, rules] : want.chains) {
      if (chain_free(owner, name)) {
        claimed_chains[name] = owner;
        result.chains[name] = rules;
      } else {
        plan.conflicts.push_back(owner + ": chain " + name);
      }
    }
    for (const auto& [name, decl] : want.sets) {
      if (set_free(owner, name)) {
        claimed_sets[name] = owner;
        result.sets[name] = decl;
      } else {
        plan.conflicts.push_back(owner + ": set " + name);
      }
    }
    for (const auto& [map, keys] : want.elements) {
      for (const auto& [key, value] : keys) {
        if (key_free(owner, map, key, value)) {
          claimed_keys[map][key] = value;
          result.elements[map][key] = value;
        } else {
          plan.conflicts.push_back(owner + ": " + map + " element " + key);
        }
      }
    }
    auto old = applied_.find(owner);
    emit(recreate || old == applied_.end() ? kNone : old->second, result);
    plan.results.emplace_back(owner, std::move(result));
  }
  if (recreate) {
    for (const auto& [owner, frag] : applied_) {
      if (!wanted.count(owner)) emit(kNone, frag);
    }
  }

  // Elements: what the kernel holds before (every holder) against after (holders outside the
  // plan, plus the plan's results).
  std::map<std::string, std::map<std::string, std::pair<std::optional<std::string>, std::optional<std::string>>>> touched;
  if (recreate) {
    for (const auto& [owner, frag] : applied_) {
      if (wanted.count(owner)) continue;
      for (const auto& [map, keys] : frag.elements)
        for (const auto& [key, value] : keys) touched[map][key].second = value;
    }
  } else {
    for (const auto& [owner, want] : wanted) {
      auto old = applied_.find(owner);
      if (old == applied_.end()) continue;
      for (const auto& [map, keys] : old->second.elements) {
        for (const auto& [key, value] : keys) {
          auto& t = touched[map][key];
          auto& hold = key_owner_.at(map).at(key);
          t.first = hold.value;
          for (const auto& holder : hold.owners) {
            if (!wanted.count(holder)) t.second = hold.value;
          }
        }
      }
    }
  }
  for (const auto& [owner, result] : plan.results) {
    for (const auto& [map, keys] : result.elements) {
      for (const auto& [key, value] : keys) {
        auto& t = touched[map][key];
        if (!recreate && !t.first) {
          if (auto m = key_owner_.find(map); m != key_owner_.end()) {
            if (auto h = m->second.find(key); h != m->second.end()) {
              t.first = h->second.value;
              for (const auto& holder : h->second.owners)
                if (!wanted.count(holder)) t.second = h->second.value;
            }
          }
        }
        t.second = value;
      }
    }
  }
  for (const auto& [map, keys] : touched) {
    for (const auto& [key, change] : keys) {
      const auto& [before, after] = change;
      if (before == after) continue;
      if (before) ph.delete_elements += "delete element " + t + " " + map + " { " + key + " }\n";
      if (after)
        ph.add_elements += "add element " + t + " " + map + " { " + key + (after->empty() ? "" : " : " + *after) + " }\n";
    }
  }

  std::string body = ph.add_chains + ph.add_sets + ph.rules + ph.delete_elements + ph.add_elements;
  for (const auto& name : ph.gone_chains) {
    if (!claimed_chains.count(name)) body += "flush chain " + t + " " + name + "\n";
  }
  if (recreate) {
    // "add" first so that "delete" finds a table whether or not one was left behind.
    plan.script = "add table " + t + "\ndelete table " + t + "\ntable " + t + " {\n" + skeleton_ + "\n}\n" + body;
  } else {
    plan.script = std::move(body);
  }
  return plan;
}

void TableSync::commit(const Plan& plan, Clock::time_point now) {
  if (plan.recreate) {
    stale_chains_.clear();
    stale_sets_.clear();
  }
  for (const auto& [owner, result] : plan.results) {
    auto old = applied_.find(owner);
    if (old != applied_.end()) {
      for (const auto& [name, rules] : old->second.chains) {
        if (chain_owner_[name] == owner) chain_owner_.erase(name);
      }
      for (const auto& [name, decl] : old->second.sets) {
        if (set_owner_[name] == owner) set_owner_.erase(name);
      }
      for (const auto& [map, keys] : old->second.elements) {
        auto& holds = key_owner_[map];
        for (const auto& [key, value] : keys) {
          auto h = holds.find(key);
          if (h == holds.end()) continue;
          h->second.owners.erase(owner);
          if (h->second.owners.empty()) holds.erase(h);
        }
      }
      if (!plan.recreate) {
        for (const auto& [name, rules] : old->second.chains) {
          if (!result.chains.count(name)) stale_chains_.emplace(name, now);
        }
        for (const auto& [name, decl] : old->second.sets) {
          if (!result.sets.count(name)) stale_sets_.emplace(name, now);
        }
      }
    }
    for (const auto& [name, rules] : result.chains) {
      chain_owner_[name] = owner;
      stale_chains_.erase(name);
    }
    for (const auto& [name, decl] : result.sets) {
      set_owner_[name] = owner;
      stale_sets_.erase(name);
    }
    for (const auto& [map, keys] : result.elements) {
      auto& holds = key_owner_[map];
      for (const auto& [key, value] : keys) {
        auto& h = holds[key];
        h.value = value;
        h.owners.insert(owner);
      }
    }
    if (result.empty()) {
      applied_.erase(owner);
    } else {
      applied_[owner] = result;
    }
  }
  // A chain released by one owner and taken by another in the same plan is not stale.
  for (auto it = stale_chains_.begin(); it != stale_chains_.end();) {
    it = chain_owner_.count(it->first) ? stale_chains_.erase(it) : std::next(it);
  }
  for (auto it = stale_sets_.begin(); it != stale_sets_.end();) {
    it = set_owner_.count(it->first) ? stale_sets_.erase(it) : std::next(it);
  }
}

std::string TableSync::deletions_script(Clock::time_point now, std::chrono::milliseconds delay) const {
  std::string script;
  const std::string t = family_ + " " + table_;
  // Chains first: a set can be deleted only once no rule refers to it.
  for (const auto& [name, since] : stale_chains_) {
    if (since + delay <= now) script += "delete chain " + t + " " + name + "\n";
  }
  for (const auto& [name, since] : stale_sets_) {
    if (since + delay <= now) script += "delete set " + t + " " + name + "\n";
  }
  return script;
}

void TableSync::deletions_done(Clock::time_point now, std::chrono::milliseconds delay) {
  for (auto* stale : {&stale_chains_, &stale_sets_}) {
    for (auto it = stale->begin(); it != stale->end();) {
      it = it->second + delay <= now ? stale->erase(it) : std::next(it);
    }
  }
}

std::optional<TableSync::Clock::time_point> TableSync::next_deletion(std::chrono::milliseconds delay) const {
  std::optional<Clock::time_point> next;
  for (const auto* stale : {&stale_chains_, &stale_sets_}) {
    for (const auto& [name, since] : *stale) {
      if (!next || since + delay < *next) next = since + delay;
    }
  }
  return next;
}

}  // namespace mk::agent::nftables
