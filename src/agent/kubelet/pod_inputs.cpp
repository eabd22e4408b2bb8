#include "agent/kubelet/pod_inputs.h"

#include <sys/stat.h>

#include <filesystem>
#include <chrono>
#include <mutex>
#include <thread>

#include "agent/kubelet/container_env.h"
#include "agent/kubelet/memory_volume.h"
#include "agent/kubelet/pull_secrets.h"
#include "agent/kubelet/volume_payload.h"
#include "api/json_path.h"
#include "api/quantity.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "common/log.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;

// Pod starts (the pod worker) and refreshes (the refresher thread) write the same directories.
std::mutex g_write_mu;

std::string text(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

json pod_reference(const json& pod) {
  return {{"kind", "Pod"}, {"apiVersion", "v1"}, {"metadata", pod.value("metadata", json::object())}};
}

void record_event(client::ApiClient& client, const json& pod, const std::string& type, const std::string& reason,
                  const std::string& message) {
  // One recorder for the agent's client, so repeats are counted on one Event.
  static std::mutex mu;
  static client::ApiClient* owner = nullptr;
  static std::unique_ptr<client::EventRecorder> recorder;
  std::lock_guard<std::mutex> lock(mu);
  if (owner != &client) {
    recorder = std::make_unique<client::EventRecorder>(client, "kubelet");
    owner = &client;
  }
  recorder->record(pod_reference(pod), type, reason, message);
}

PodRuntimeFacts runtime_facts(const json& pod, ConfigSource& source) {
  PodRuntimeFacts facts;
  facts.host_ip = api::string_at(pod, "status.hostIP");
  if (facts.host_ip.empty()) {
    if (auto node = source.node(api::string_at(pod, "spec.nodeName"))) {
      if (const json* addresses = api::find_path(*node, "status.addresses"); addresses && addresses->is_array())
        for (const auto& a : *addresses)
          if (text(a, "type") == "InternalIP" && facts.host_ip.empty()) facts.host_ip = text(a, "address");
    }
  }
  facts.pod_ip = api::string_at(pod, "status.podIP");
  if (const json* ips = api::find_path(pod, "status.podIPs"); ips && ips->is_array())
    for (const auto& ip : *ips)
      if (!text(ip, "ip").empty()) facts.pod_ips.push_back(text(ip, "ip"));
  if (facts.pod_ip.empty() && api::find_path(pod, "spec.hostNetwork") &&
      api::find_path(pod, "spec.hostNetwork")->is_boolean() && api::find_path(pod, "spec.hostNetwork")->get<bool>())
    facts.pod_ip = facts.host_ip;
  return facts;
}

std::string volume_dir(const std::string& kubelet_pods, const std::string& uid, const std::string& plugin,
                       const std::string& name) {
  return kubelet_pods + "/" + uid + "/volumes/" + plugin + "/" + name;
}

Error mount_failure(const std::string& volume, const Error& e) {
  return make_error(Errc::unavailable, "MountVolume.SetUp failed for volume \"" + volume + "\" : " + e.message);
}

// The host path of the PersistentVolume bound to a claim, created when missing (0777, as the
// local-path provisioner's helper does).
Result<std::string> claim_host_path(client::ApiClient& client, const std::string& ns, const std::string& claim) {
  auto pvc = client.get({"", "v1", "persistentvolumeclaims"}, ns, claim);
  if (!pvc) {
    return make_error(Errc::unavailable, "error processing PVC " + ns + "/" + claim +
                                             ": failed to fetch PVC from API server: " + pvc.error().message);
  }
  std::string phase = api::string_at(*pvc, "status.phase");
  std::string volume = api::string_at(*pvc, "spec.volumeName");
  if (phase != "Bound" || volume.empty()) {
    return make_error(Errc::unavailable, "PVC " + ns + "/" + claim + " has non-bound phase (\"" + phase +
                                             "\") or empty pvc.Spec.VolumeName (\"" + volume + "\")");
  }
  auto pv = client.get({"", "v1", "persistentvolumes"}, "", volume);
  if (!pv) return make_error(Errc::unavailable, "get persistent volume " + volume + ": " + pv.error().message);
  std::string path = api::string_at(*pv, "spec.hostPath.path");
  if (path.empty()) path = api::string_at(*pv, "spec.local.path");
  if (path.empty()) {
    return make_error(Errc::unavailable, "persistent volume " + volume + " is neither a hostPath nor a local volume");
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::filesystem::create_directories(path, ec);
    if (ec) return make_error(Errc::unavailable, "create " + path + ": " + ec.message());
    ::chmod(path.c_str(), 0777);
  }
  return path;
}

std::optional<int64_t> size_limit(const json& empty_dir) {
  if (!empty_dir.is_object() || !empty_dir.contains("sizeLimit")) return std::nullopt;
  const json& v = empty_dir["sizeLimit"];
  auto q = api::Quantity::parse(v.is_string() ? v.get<std::string>() : v.dump());
  if (!q) return std::nullopt;
  return q->value();
}

// Writes the four materialised volume types and sets up the others the kubelet provides.
// With `spec` null only the materialised ones are rewritten (a refresh).
Status setup_volumes(client::ApiClient& client, const json& pod, ConfigSource& source, const PodRuntimeFacts& facts,
                     const std::string& kubelet_pods, runtime::pod::PodSpec* spec) {
  const std::string uid = api::string_at(pod, "metadata.uid");
  const std::string ns = api::string_at(pod, "metadata.namespace", "default");
  const json* volumes = api::find_path(pod, "spec.volumes");
  if (!volumes || !volumes->is_array()) return Status::ok();
  // Secrets and tokens are written here: only root may look in (containers see their volume
  // through its bind mount, whatever the modes of the directories above it).
  std::string kubelet_dir = std::filesystem::path(kubelet_pods).parent_path().string();
  std::error_code ec;
  std::filesystem::create_directories(kubelet_pods, ec);
  ::chmod(kubelet_dir.c_str(), 0700);
  for (const auto& v : *volumes) {
    std::string name = text(v, "name");
    std::string host_path;
    bool read_only = false;
    if (std::string plugin = volume_plugin_dir(v); !plugin.empty()) {
      std::string dir = volume_dir(kubelet_pods, uid, plugin, name);
      VolumeInputs in{pod, source, facts, dir};
      auto payload = volume_payload(v, in);
      if (!payload) return mount_failure(name, payload.error());
      std::lock_guard<std::mutex> lock(g_write_mu);
      auto written = write_atomically(dir, *payload);
      if (!written) return mount_failure(name, written.error());
      if (*written && !spec) MK_LOG(info) << "kubelet: updated volume " << name << " of pod " << ns << "/" << text(pod["metadata"], "name");
      host_path = dir;
      read_only = true;
    } else if (!spec) {
      continue;
    } else if (v.contains("emptyDir") && text(v["emptyDir"], "medium") == "Memory") {
      std::string dir = volume_dir(kubelet_pods, uid, "kubernetes.io~empty-dir", name);
      if (auto s = ensure_tmpfs(dir, size_limit(v["emptyDir"])); !s) return mount_failure(name, s.error());
      host_path = dir;
    } else if (v.contains("persistentVolumeClaim")) {
      const json& claim = v["persistentVolumeClaim"];
      auto path = claim_host_path(client, ns, text(claim, "claimName"));
      if (!path) return mount_failure(name, path.error());
      host_path = *path;
      read_only = claim.value("readOnly", false);
    } else {
      continue;
    }
    if (!spec) continue;
    for (auto& sv : spec->volumes) {
      if (sv.name != name) continue;
      sv.host_path = host_path;
      sv.empty_dir = false;
      sv.unsupported.clear();
    }
    if (read_only)
      for (auto* list : {&spec->init_containers, &spec->containers})
        for (auto& c : *list)
          for (auto& m : c.volume_mounts)
            if (m.name == name) m.read_only = true;
  }
  return Status::ok();
}

Status setup_env(client::ApiClient& client, const json& pod, ConfigSource& source, const PodRuntimeFacts& facts,
                 runtime::pod::PodSpec& spec) {
  for (const char* list : {"initContainers", "containers"}) {
    const json* cs = api::find_path(pod, std::string("spec.") + list);
    if (!cs || !cs->is_array()) continue;
    for (const auto& jc : *cs) {
      std::string name = text(jc, "name");
      runtime::pod::ContainerSpec* target = nullptr;
      for (auto* list : {&spec.init_containers, &spec.containers})
        for (auto& c : *list)
          if (c.name == name) target = &c;
      if (!target) continue;
      auto env = resolve_container_env(pod, jc, source, facts);
      // Whatever went wrong, the container's configuration could not be made.
      if (!env) return make_error(Errc::invalid_argument, env.error().message);
      for (const auto& [reason, message] : env->warnings) record_event(client, pod, "Warning", reason, message);
      target->command = expand_all(target->command, env->vars);
      target->args = expand_all(target->args, env->vars);
      target->env = std::move(env->vars);
    }
  }
  return Status::ok();
}

}  // namespace

std::string kubelet_pods_dir(const std::string& runtime_pods_dir) {
  return std::filesystem::path(runtime_pods_dir).parent_path().string() + "/kubelet/pods";
}

std::string pod_inputs_reason(const Error& error) {
  return error.code == Errc::unavailable ? "ContainerCreating" : "CreateContainerConfigError";
}

Status prepare_pod_inputs(client::ApiClient& client, const json& pod, runtime::pod::PodSpec& spec,
                          const std::string& runtime_pods_dir, runtime::image::RegistriesConfig& registries) {
  ApiConfigSource source(client);
  PodRuntimeFacts facts = runtime_facts(pod, source);
  for (const auto& [reason, message] : add_pull_secrets(pod, source, registries))
    record_event(client, pod, "Warning", reason, message);
  // A pod in a namespace made a moment ago may come before the namespace's kube-root-ca.crt
  // and default ServiceAccount: those are waited for a little, rather than a whole back-off.
  for (int attempt = 0;; ++attempt) {
    ApiConfigSource fresh(client);
    auto s = setup_volumes(client, pod, attempt == 0 ? source : fresh, facts, kubelet_pods_dir(runtime_pods_dir), &spec);
    if (s) break;
    const std::string& m = s.error().message;
    bool soon = m.find("configmap \"kube-root-ca.crt\" not found") != std::string::npos ||
                (m.find("serviceaccounts \"") != std::string::npos && m.find("not found") != std::string::npos);
    if (!soon || attempt >= 15) {
      record_event(client, pod, "Warning", "FailedMount", m);
      return s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (auto s = setup_env(client, pod, source, facts, spec); !s) {
    record_event(client, pod, "Warning", "Failed", "Error: " + s.error().message);
    return s;
  }
  return Status::ok();
}

Status refresh_pod_volumes(client::ApiClient& client, const json& pod, const std::string& kubelet_pods) {
  ApiConfigSource source(client);
  PodRuntimeFacts facts = runtime_facts(pod, source);
  return setup_volumes(client, pod, source, facts, kubelet_pods, nullptr);
}

}  // namespace mk::agent::kubelet
