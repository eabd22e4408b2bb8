#include "agent/kubelet/prober.h"

#include "agent/kubelet/probe.h"
#include "runtime/shim/container_files.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* spec_key(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::liveness: return "livenessProbe";
    case ProbeKind::readiness: return "readinessProbe";
    case ProbeKind::startup: return "startupProbe";
  }
  return "";
}

int64_t field(const json& probe, const char* key, int64_t fallback, int64_t minimum) {
  int64_t v = probe.contains(key) && probe[key].is_number_integer() ? probe[key].get<int64_t>() : fallback;
  return std::max(v, minimum);
}

}  // namespace

std::string probe_kind_name(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::liveness: return "Liveness";
    case ProbeKind::readiness: return "Readiness";
    case ProbeKind::startup: return "Startup";
  }
  return "";
}

struct ProbeManager::Worker {
  std::string uid, container;
  ProbeKind kind = ProbeKind::liveness;
  json spec, pod, container_spec;
  std::string netns;
  int64_t run = 0;        // start time of the run being probed; 0 while the container does not run
  bool result = false;    // the reported result (success)
  bool last = false;      // the last outcome, and how many in a row
  int streak = 0;
  bool on_hold = false;
  bool in_flight = false;
  bool removed = false;
  Clock::time_point due{};

  bool initial() const { return kind == ProbeKind::liveness; }
  std::chrono::seconds period() const { return std::chrono::seconds(field(spec, "periodSeconds", 10, 1)); }
};

ProbeManager::ProbeManager(runtime::pod::Runtime& runtime, Notify notify, Unhealthy unhealthy)
    : runtime_(runtime), notify_(std::move(notify)), unhealthy_(std::move(unhealthy)) {
  pool_ = std::make_unique<ThreadPool>(4);
  thread_ = std::thread([this] { run(); });
}

ProbeManager::~ProbeManager() { stop(); }

void ProbeManager::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  pool_.reset();  // runs what is queued (each bounded by its timeout), then joins
}

void ProbeManager::update(const json& pod, const std::map<std::string, int64_t>& runs, const std::string& netns,
                          const std::map<std::string, bool>& initially_ready) {
  std::string uid = pod.value("metadata", json::object()).value("uid", "");
  std::lock_guard<std::mutex> lock(mu_);
  auto& by_container = workers_[uid];
  std::map<std::string, std::map<ProbeKind, std::shared_ptr<Worker>>> next;
  for (const auto& c : pod["spec"].value("containers", json::array())) {
    std::string name = c.value("name", "");
    for (ProbeKind kind : {ProbeKind::startup, ProbeKind::liveness, ProbeKind::readiness}) {
      if (!c.contains(spec_key(kind)) || !c[spec_key(kind)].is_object()) continue;
      std::shared_ptr<Worker> w;
      if (auto it = by_container.find(name); it != by_container.end() && it->second.count(kind) &&
                                             it->second[kind]->spec == c[spec_key(kind)]) {
        w = it->second[kind];
      } else {
        w = std::make_shared<Worker>();
        w->uid = uid;
        w->container = name;
        w->kind = kind;
        w->spec = c[spec_key(kind)];
        w->result = w->initial();
      }
      w->pod = pod;
      w->container_spec = c;
      w->netns = netns;
      auto run = runs.find(name);
      int64_t started = run == runs.end() ? 0 : run->second;
      if (started != w->run) {
        // A new run (or none): back to the initial result, probing after the initial delay.
        w->run = started;
        w->result = w->initial();
        if (kind == ProbeKind::readiness) {
          auto r = initially_ready.find(name);
          w->result = r != initially_ready.end() && r->second;
        }
        w->streak = 0;
        w->on_hold = false;
        int64_t delay_ns = field(w->spec, "initialDelaySeconds", 0, 0) * 1'000'000'000;
        int64_t wait_ns = std::max<int64_t>(0, started + delay_ns - runtime::shim::now_ns());
        w->due = Clock::now() + std::chrono::nanoseconds(wait_ns);
      }
      next[name][kind] = w;
    }
  }
  for (auto& [name, kinds] : by_container) {
    for (auto& [kind, w] : kinds) {
      if (!next.count(name) || !next[name].count(kind) || next[name][kind] != w) w->removed = true;
    }
  }
  if (next.empty()) {
    workers_.erase(uid);
  } else {
    by_container = std::move(next);
  }
  wake_.notify_all();
}

void ProbeManager::remove(const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(uid);
  if (it == workers_.end()) return;
  for (auto& [name, kinds] : it->second)
    for (auto& [kind, w] : kinds) w->removed = true;
  workers_.erase(it);
}

ProbeState ProbeManager::state(const std::string& uid, const std::string& container) const {
  ProbeState out;
  out.started = true;
  out.ready = true;
  std::lock_guard<std::mutex> lock(mu_);
  auto pod = workers_.find(uid);
  if (pod == workers_.end()) return out;
  auto c = pod->second.find(container);
  if (c == pod->second.end()) return out;
  auto get = [&](ProbeKind kind) -> const Worker* {
    auto it = c->second.find(kind);
    return it == c->second.end() ? nullptr : it->second.get();
  };
  if (const Worker* s = get(ProbeKind::startup)) {
    out.started = s->result;
    if (s->on_hold && !s->result) out.failed = ProbeKind::startup;
  }
  if (const Worker* r = get(ProbeKind::readiness)) out.ready = r->result;
  out.ready = out.ready && out.started;
  if (const Worker* l = get(ProbeKind::liveness)) {
    if (!l->result) out.failed = ProbeKind::liveness;
  }
  return out;
}

void ProbeManager::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    auto now = Clock::now();
    auto next = now + std::chrono::seconds(1);
    for (auto& [uid, containers] : workers_) {
      for (auto& [name, kinds] : containers) {
        for (auto& [kind, w] : kinds) {
          if (!w->run || w->in_flight || w->on_hold) continue;
          if (w->due > now) {
            next = std::min(next, w->due);
            continue;
          }
          w->in_flight = true;
          pool_->post([this, w] { probe(w); });
        }
      }
    }
    wake_.wait_until(lock, next);
  }
}

void ProbeManager::probe(std::shared_ptr<Worker> w) {
  std::unique_lock<std::mutex> lock(mu_);
  auto done = [&] {
    w->in_flight = false;
    w->due = Clock::now() + w->period();
    wake_.notify_all();
  };
  if (w->removed || stopping_) return done();
  // Liveness and readiness wait for the startup probe; a startup probe that passed is done.
  bool started = true;
  if (auto pod = workers_.find(w->uid); pod != workers_.end()) {
    if (auto c = pod->second.find(w->container); c != pod->second.end()) {
      if (auto s = c->second.find(ProbeKind::startup); s != c->second.end()) started = s->second->result;
    }
  }
  if ((w->kind == ProbeKind::startup && w->result) || (w->kind != ProbeKind::startup && !started)) return done();
  HandlerTarget target{&runtime_, w->uid, w->container, w->netns, w->container_spec};
  json handler = w->spec;
  int64_t run = w->run;
  auto timeout = std::chrono::seconds(field(w->spec, "timeoutSeconds", 1, 1));
  lock.unlock();

  ProbeOutcome outcome = run_handler(handler, target, timeout);

  lock.lock();
  if (w->removed || w->run != run || stopping_) return done();
  bool success = outcome.result == ProbeResult::success;
  if (w->streak > 0 && w->last == success) {
    ++w->streak;
  } else {
    w->last = success;
    w->streak = 1;
  }
  bool changed = false;
  int64_t threshold = success ? field(w->spec, "successThreshold", 1, 1) : field(w->spec, "failureThreshold", 3, 1);
  if (w->streak >= threshold) {
    changed = w->result != success;
    w->result = success;
    if (!success && w->kind != ProbeKind::readiness) {
      // The container is restarted; probe again only its next run.
      w->on_hold = true;
      w->streak = 0;
      changed = true;
    }
  }
  json pod = w->pod;
  std::string uid = w->uid, container = w->container;
  ProbeKind kind = w->kind;
  done();
  lock.unlock();
  if (!success) {
    std::string what = probe_kind_name(kind) + (outcome.errored ? " probe errored: " : " probe failed: ");
    unhealthy_(pod, container, what + outcome.output);
  }
  if (changed) notify_(uid);
}

}  // namespace mk::agent::kubelet
