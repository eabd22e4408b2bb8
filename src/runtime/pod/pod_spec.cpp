#include "runtime/pod/pod_spec.h"

#include <cctype>
#include <set>

namespace mk::runtime::pod {
namespace {

using nlohmann::json;

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || !j[key].is_array()) return out;
  for (const auto& v : j[key]) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string text(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::optional<std::string> quantity_text(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<int64_t>());
  return std::nullopt;
}

Status read_resources(const json& resources, ContainerSpec& c) {
  for (const char* group : {"requests", "limits"}) {
    if (!resources.contains(group) || !resources[group].is_object()) continue;
    bool limits = std::string(group) == "limits";
    const json& g = resources[group];
    if (g.contains("memory")) {
      auto q = quantity_text(g["memory"]);
      auto v = parse_memory(q.value_or(""));
      if (!v) return v.error().wrap("container " + c.name + " " + group + ".memory");
      (limits ? c.memory_limit : c.memory_request) = *v;
    }
    if (g.contains("cpu")) {
      auto q = quantity_text(g["cpu"]);
      auto v = parse_cpu_milli(q.value_or(""));
      if (!v) return v.error().wrap("container " + c.name + " " + group + ".cpu");
      (limits ? c.cpu_limit_milli : c.cpu_request_milli) = *v;
    }
  }
  // As the API server defaults it: a limit without a request requests the limit.
  if (c.memory_limit && !c.memory_request) c.memory_request = c.memory_limit;
  if (c.cpu_limit_milli && !c.cpu_request_milli) c.cpu_request_milli = c.cpu_limit_milli;
  return Status::ok();
}

bool dns_label(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  for (char ch : s) {
    if (!(std::islower(static_cast<unsigned char>(ch)) || std::isdigit(static_cast<unsigned char>(ch)) || ch == '-')) {
      return false;
    }
  }
  return true;
}

Result<int64_t> parse_scaled(const std::string& text, bool allow_milli, long double multiplier = 1) {
  if (text.empty()) return make_error(Errc::invalid_argument, "parse quantity: empty");
  size_t pos = 0;
  while (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.')) ++pos;
  if (pos == 0) return make_error(Errc::invalid_argument, "parse quantity \"" + text + "\": no number");
  long double number = 0;
  try {
    number = std::stold(text.substr(0, pos));
  } catch (const std::exception&) {
    return make_error(Errc::invalid_argument, "parse quantity \"" + text + "\": bad number");
  }
  std::string suffix = text.substr(pos);
  static const std::pair<const char*, long double> kSuffixes[] = {
      {"", 1},          {"k", 1e3},       {"M", 1e6},       {"G", 1e9},       {"T", 1e12},
      {"Ki", 1024.0L},  {"Mi", 1048576.0L}, {"Gi", 1073741824.0L}, {"Ti", 1099511627776.0L}, {"m", 1e-3}};
  for (const auto& [name, scale] : kSuffixes) {
    if (suffix != name) continue;
    if (suffix == "m" && !allow_milli) break;
    return static_cast<int64_t>(number * scale * multiplier + 0.5L);
  }
  return make_error(Errc::invalid_argument, "parse quantity \"" + text + "\": unknown suffix");
}

Result<ContainerSpec> read_container(const json& cj, const json& pod_security) {
  ContainerSpec c;
  c.name = text(cj, "name");
  c.image = text(cj, "image");
  c.command = strings(cj, "command");
  c.args = strings(cj, "args");
  c.working_dir = text(cj, "workingDir");
  c.tty = cj.value("tty", false);
  c.stdin_open = cj.value("stdin", false);
  c.stdin_once = cj.value("stdinOnce", false);
  for (const auto& e : cj.value("env", json::array())) {
    if (e.contains("name")) c.env.emplace_back(text(e, "name"), text(e, "value"));
  }
  const json security = cj.value("securityContext", json::object());
  c.privileged = security.value("privileged", false);
  c.read_only_rootfs = security.value("readOnlyRootFilesystem", false);
  for (const json* sc : {&pod_security, &security}) {
    if (sc->contains("runAsUser")) c.run_as_user = (*sc)["runAsUser"].get<int64_t>();
    if (sc->contains("runAsGroup")) c.run_as_group = (*sc)["runAsGroup"].get<int64_t>();
  }
  if (security.contains("capabilities")) {
    c.cap_add = strings(security["capabilities"], "add");
    c.cap_drop = strings(security["capabilities"], "drop");
  }
  for (const auto& mj : cj.value("volumeMounts", json::array())) {
    c.volume_mounts.push_back({text(mj, "name"), text(mj, "mountPath"), text(mj, "subPath"), mj.value("readOnly", false)});
  }
  if (auto s = read_resources(cj.value("resources", json::object()), c); !s) return s.error().wrap("read pod");
  return c;
}

}  // namespace

Result<int64_t> parse_memory(const std::string& text) { return parse_scaled(text, false); }

Result<int64_t> parse_cpu_milli(const std::string& text) {
  if (!text.empty() && text.back() == 'm') return parse_scaled(text.substr(0, text.size() - 1), false);
  return parse_scaled(text, false, 1000);
}

Result<PodSpec> pod_from_json(const json& pod) {
  if (!pod.is_object() || pod.value("kind", "Pod") != "Pod") {
    return make_error(Errc::invalid_argument, "read pod: not a Pod object");
  }
  PodSpec out;
  json meta = pod.value("metadata", json::object());
  json spec = pod.value("spec", json::object());
  out.name = text(meta, "name");
  out.uid = text(meta, "uid");
  if (!text(meta, "namespace").empty()) out.namespace_name = text(meta, "namespace");
  out.hostname = text(spec, "hostname");
  if (out.hostname.empty()) out.hostname = out.name;
  out.host_network = spec.value("hostNetwork", false);
  out.host_pid = spec.value("hostPID", false);
  out.host_ipc = spec.value("hostIPC", false);
  out.grace_seconds = spec.value("terminationGracePeriodSeconds", int64_t{30});
  if (spec.contains("dnsConfig") && spec["dnsConfig"].is_object()) {
    const json& dns = spec["dnsConfig"];
    out.dns_servers = strings(dns, "nameservers");
    out.dns_searches = strings(dns, "searches");
    for (const auto& o : dns.value("options", json::array())) {
      std::string opt = text(o, "name");
      if (o.contains("value") && o["value"].is_string()) opt += ":" + o["value"].get<std::string>();
      if (!opt.empty()) out.dns_options.push_back(opt);
    }
  }
  for (const auto& vj : spec.value("volumes", json::array())) {
    VolumeSpec v;
    v.name = text(vj, "name");
    if (vj.contains("hostPath")) v.host_path = text(vj["hostPath"], "path");
    else if (vj.contains("emptyDir")) v.empty_dir = true;
    else
      for (auto it = vj.begin(); it != vj.end(); ++it)
        if (it.key() != "name") v.unsupported = it.key();
    out.volumes.push_back(std::move(v));
  }
  json pod_security = spec.value("securityContext", json::object());
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& cj : spec.value(list, json::array())) {
      auto c = read_container(cj, pod_security);
      if (!c) return c.error();
      (std::string(list) == "containers" ? out.containers : out.init_containers).push_back(std::move(*c));
    }
  }
  for (const auto& cj : spec.value("containers", json::array())) {
    for (const auto& pj : cj.value("ports", json::array())) {
      if (!pj.is_object() || !pj.contains("hostPort") || !pj["hostPort"].is_number_integer()) continue;
      PortMapping m{text(pj, "protocol"), pj.value("containerPort", 0), pj["hostPort"].get<int>(), text(pj, "hostIP")};
      if (m.protocol.empty()) m.protocol = "TCP";
      if (m.host_port > 0) out.port_mappings.push_back(std::move(m));
    }
  }
  return out;
}

static json container_to_json(const ContainerSpec& c) {
  json env = json::array();
  for (const auto& [k, v] : c.env) env.push_back({k, v});
  json j = {{"name", c.name}, {"image", c.image}, {"command", c.command}, {"args", c.args},
            {"env", env}, {"working_dir", c.working_dir}, {"tty", c.tty}, {"stdin", c.stdin_open},
            {"stdinOnce", c.stdin_once}, {"privileged", c.privileged}, {"read_only_rootfs", c.read_only_rootfs},
            {"cap_add", c.cap_add}, {"cap_drop", c.cap_drop}, {"rootfs", c.rootfs},
            {"layers", c.layers}, {"image_config", c.image_config}};
  if (c.run_as_user) j["run_as_user"] = *c.run_as_user;
  if (c.run_as_group) j["run_as_group"] = *c.run_as_group;
  if (c.cpu_request_milli) j["cpu_request_milli"] = *c.cpu_request_milli;
  if (c.cpu_limit_milli) j["cpu_limit_milli"] = *c.cpu_limit_milli;
  if (c.memory_request) j["memory_request"] = *c.memory_request;
  if (c.memory_limit) j["memory_limit"] = *c.memory_limit;
  json mounts = json::array();
  for (const auto& m : c.volume_mounts)
    mounts.push_back({{"name", m.name}, {"mount_path", m.mount_path}, {"sub_path", m.sub_path}, {"read_only", m.read_only}});
  j["volume_mounts"] = mounts;
  return j;
}

json to_json(const PodSpec& s) {
  json containers = json::array(), init_containers = json::array();
  for (const auto& c : s.containers) containers.push_back(container_to_json(c));
  for (const auto& c : s.init_containers) init_containers.push_back(container_to_json(c));
  json volumes = json::array();
  for (const auto& v : s.volumes)
    volumes.push_back({{"name", v.name}, {"host_path", v.host_path}, {"empty_dir", v.empty_dir}, {"unsupported", v.unsupported}});
  json ports = json::array();
  for (const auto& p : s.port_mappings)
    ports.push_back({{"protocol", p.protocol}, {"container_port", p.container_port}, {"host_port", p.host_port}, {"host_ip", p.host_ip}});
  return {{"uid", s.uid}, {"port_mappings", ports}, {"name", s.name}, {"namespace", s.namespace_name}, {"hostname", s.hostname},
          {"host_network", s.host_network}, {"host_pid", s.host_pid}, {"host_ipc", s.host_ipc},
          {"dns_servers", s.dns_servers}, {"dns_searches", s.dns_searches}, {"dns_options", s.dns_options},
          {"grace_seconds", s.grace_seconds}, {"volumes", volumes}, {"init_containers", init_containers},
          {"containers", containers}};
}

// Throws json::exception on a malformed entry (caught by spec_from_json).
static ContainerSpec container_from_json(const json& cj) {
  ContainerSpec c;
  c.name = cj.at("name").get<std::string>();
  c.image = cj.value("image", "");
  c.command = cj.value("command", std::vector<std::string>{});
  c.args = cj.value("args", std::vector<std::string>{});
  for (const auto& e : cj.value("env", json::array())) c.env.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
  c.working_dir = cj.value("working_dir", "");
  c.tty = cj.value("tty", false);
  c.stdin_open = cj.value("stdin", false);
  c.stdin_once = cj.value("stdinOnce", false);
  c.privileged = cj.value("privileged", false);
  c.read_only_rootfs = cj.value("read_only_rootfs", false);
  c.cap_add = cj.value("cap_add", std::vector<std::string>{});
  c.cap_drop = cj.value("cap_drop", std::vector<std::string>{});
  c.rootfs = cj.value("rootfs", "");
  c.layers = cj.value("layers", std::vector<std::string>{});
  c.image_config = cj.value("image_config", json::object());
  if (cj.contains("run_as_user")) c.run_as_user = cj["run_as_user"].get<int64_t>();
  if (cj.contains("run_as_group")) c.run_as_group = cj["run_as_group"].get<int64_t>();
  if (cj.contains("cpu_request_milli")) c.cpu_request_milli = cj["cpu_request_milli"].get<int64_t>();
  if (cj.contains("cpu_limit_milli")) c.cpu_limit_milli = cj["cpu_limit_milli"].get<int64_t>();
  if (cj.contains("memory_request")) c.memory_request = cj["memory_request"].get<int64_t>();
  if (cj.contains("memory_limit")) c.memory_limit = cj["memory_limit"].get<int64_t>();
  for (const auto& mj : cj.value("volume_mounts", json::array()))
    c.volume_mounts.push_back({mj.at("name").get<std::string>(), mj.value("mount_path", ""), mj.value("sub_path", ""),
                               mj.value("read_only", false)});
  return c;
}

Result<PodSpec> spec_from_json(const json& j) {
  try {
    PodSpec s;
    s.uid = j.at("uid").get<std::string>();
    s.name = j.value("name", "");
    s.namespace_name = j.value("namespace", "default");
    s.hostname = j.value("hostname", "");
    s.host_network = j.value("host_network", false);
    s.host_pid = j.value("host_pid", false);
    s.host_ipc = j.value("host_ipc", false);
    s.dns_servers = j.value("dns_servers", std::vector<std::string>{});
    s.dns_searches = j.value("dns_searches", std::vector<std::string>{});
    s.dns_options = j.value("dns_options", std::vector<std::string>{});
    s.grace_seconds = j.value("grace_seconds", int64_t{30});
    for (const auto& vj : j.value("volumes", json::array()))
      s.volumes.push_back({vj.at("name").get<std::string>(), vj.value("host_path", ""), vj.value("empty_dir", false),
                           vj.value("unsupported", "")});
    for (const auto& pj : j.value("port_mappings", json::array()))
      s.port_mappings.push_back({pj.value("protocol", "TCP"), pj.value("container_port", 0), pj.value("host_port", 0),
                                 pj.value("host_ip", "")});
    for (const auto& cj : j.value("init_containers", json::array())) s.init_containers.push_back(container_from_json(cj));
    for (const auto& cj : j.value("containers", json::array())) s.containers.push_back(container_from_json(cj));
    return s;
  } catch (const json::exception& e) {
    return make_error(Errc::corrupt, std::string("read pod spec: ") + e.what());
  }
}

std::vector<const ContainerSpec*> all_containers(const PodSpec& spec) {
  std::vector<const ContainerSpec*> out;
  for (const auto& c : spec.init_containers) out.push_back(&c);
  for (const auto& c : spec.containers) out.push_back(&c);
  return out;
}

const ContainerSpec* find_container(const PodSpec& spec, const std::string& name) {
  for (const ContainerSpec* c : all_containers(spec))
    if (c->name == name) return c;
  return nullptr;
}

QosClass qos_class(const PodSpec& spec) {
  bool any = false, guaranteed = true;
  std::vector<const ContainerSpec*> all;
  for (const auto& c : spec.init_containers) all.push_back(&c);
  for (const auto& c : spec.containers) all.push_back(&c);
  for (const ContainerSpec* cp : all) {
    const ContainerSpec& c = *cp;
    if (c.cpu_request_milli || c.memory_request || c.cpu_limit_milli || c.memory_limit) any = true;
    if (!c.cpu_limit_milli || !c.memory_limit || c.cpu_request_milli != c.cpu_limit_milli ||
        c.memory_request != c.memory_limit) {
      guaranteed = false;
    }
  }
  if (!any) return QosClass::best_effort;
  return guaranteed ? QosClass::guaranteed : QosClass::burstable;
}

int oom_score_adj(QosClass qos, const ContainerSpec& c, int64_t node_memory) {
  if (qos == QosClass::guaranteed) return -997;
  if (qos == QosClass::best_effort) return 1000;
  int64_t request = c.memory_request.value_or(0);
  int64_t adj = node_memory > 0 ? 1000 - (1000 * request) / node_memory : 1000;
  if (adj < 3) adj = 3;
  if (adj > 999) adj = 999;
  return static_cast<int>(adj);
}

Status validate(const PodSpec& spec) {
  if (!dns_label(spec.name) && !spec.name.empty()) {
    // Pod names are DNS subdomains; the runtime only needs them printable and without '/'.
    if (spec.name.find('/') != std::string::npos) {
      return make_error(Errc::invalid_argument, "pod name \"" + spec.name + "\": must not contain '/'");
    }
  }
  if (spec.uid.empty() || spec.uid.find('/') != std::string::npos || spec.uid == "." || spec.uid == "..") {
    return make_error(Errc::invalid_argument, "pod " + spec.name + ": a uid without '/' is required");
  }
  if (spec.containers.empty()) return make_error(Errc::invalid_argument, "pod " + spec.name + ": no containers");
  std::set<std::string> volume_names;
  for (const auto& v : spec.volumes) {
    if (!volume_names.insert(v.name).second)
      return make_error(Errc::invalid_argument, "pod " + spec.name + ": volume \"" + v.name + "\" is defined twice");
  }
  for (const ContainerSpec* cp : all_containers(spec)) {
    const ContainerSpec& c = *cp;
    for (const auto& m : c.volume_mounts) {
      if (!volume_names.count(m.name))
        return make_error(Errc::invalid_argument, "pod " + spec.name + ": container " + c.name + " mounts volume \"" +
                                                      m.name + "\", which the pod does not define");
      if (m.mount_path.empty() || m.mount_path[0] != '/')
        return make_error(Errc::invalid_argument, "pod " + spec.name + ": container " + c.name + ": mountPath \"" +
                                                      m.mount_path + "\" must be absolute");
      // subPath stays inside its volume: relative, and no ".." component.
      bool escapes = !m.sub_path.empty() && m.sub_path[0] == '/';
      for (size_t start = 0; start <= m.sub_path.size() && !m.sub_path.empty();) {
        size_t end = m.sub_path.find('/', start);
        if (end == std::string::npos) end = m.sub_path.size();
        if (m.sub_path.compare(start, end - start, "..") == 0) escapes = true;
        start = end + 1;
      }
      if (escapes)
        return make_error(Errc::invalid_argument, "pod " + spec.name + ": container " + c.name + ": subPath \"" +
                                                      m.sub_path + "\" must be a relative path without \"..\"");
    }
  }
  std::set<std::string> names;
  for (const ContainerSpec* cp : all_containers(spec)) {
    const ContainerSpec& c = *cp;
    if (!dns_label(c.name)) {
      return make_error(Errc::invalid_argument, "pod " + spec.name + ": container name \"" + c.name + "\" is not a DNS label");
    }
    if (!names.insert(c.name).second) {
      return make_error(Errc::invalid_argument, "pod " + spec.name + ": container name \"" + c.name + "\" used twice");
    }
    if (c.rootfs.empty() && c.layers.empty()) {
      return make_error(Errc::invalid_argument, "container " + c.name + ": no root filesystem (image layers or a rootfs directory)");
    }
  }
  return Status::ok();
}

}  // namespace mk::runtime::pod
