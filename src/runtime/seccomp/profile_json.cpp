// Reading a seccomp profile from JSON: the OCI runtime-spec `linux.seccomp` object
// ("architectures", "syscalls" with "names") or a Docker profile ("archMap", "includes",
// "excludes", the old single "name").

#include <cctype>
#include <cerrno>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "runtime/seccomp/seccomp.h"

namespace mk::runtime::seccomp {
namespace {

using nlohmann::json;

Result<Action> parse_action(const std::string& name) {
  if (name == "SCMP_ACT_ALLOW") return Action::allow;
  if (name == "SCMP_ACT_ERRNO") return Action::errno_ret;
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return Action::kill_thread;
  if (name == "SCMP_ACT_KILL_PROCESS") return Action::kill_process;
  if (name == "SCMP_ACT_TRAP") return Action::trap;
  if (name == "SCMP_ACT_TRACE") return Action::trace;
  if (name == "SCMP_ACT_LOG") return Action::log;
  return make_error(Errc::unsupported, "seccomp action \"" + name + "\" is not supported");
}

Result<Op> parse_op(const std::string& name) {
  if (name == "SCMP_CMP_NE") return Op::ne;
  if (name == "SCMP_CMP_LT") return Op::lt;
  if (name == "SCMP_CMP_LE") return Op::le;
  if (name == "SCMP_CMP_EQ") return Op::eq;
  if (name == "SCMP_CMP_GE") return Op::ge;
  if (name == "SCMP_CMP_GT") return Op::gt;
  if (name == "SCMP_CMP_MASKED_EQ") return Op::masked_eq;
  return make_error(Errc::invalid_argument, "seccomp operator \"" + name + "\" is unknown");
}

// "SCMP_ARCH_X86_64" -> "x86_64", the spelling libseccomp resolves.
std::string libseccomp_arch(std::string name) {
  if (name.rfind("SCMP_ARCH_", 0) == 0) name = name.substr(10);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string native_arch_name() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#elif defined(__arm__)
  return "arm";
#else
  return "";
#endif
}

Filter parse_filter(const json& j) {
  Filter f;
  if (!j.is_object()) return f;
  if (auto it = j.find("caps"); it != j.end() && it->is_array()) {
    for (const auto& c : *it) f.caps.push_back(c.get<std::string>());
  }
  if (auto it = j.find("arches"); it != j.end() && it->is_array()) {
    for (const auto& a : *it) f.arches.push_back(a.get<std::string>());
  }
  return f;
}

Result<Rule> parse_rule(const json& j) {
  Rule r;
  if (auto it = j.find("names"); it != j.end() && it->is_array()) {
    for (const auto& n : *it) r.names.push_back(n.get<std::string>());
  }
  if (auto it = j.find("name"); it != j.end() && it->is_string()) r.names.push_back(it->get<std::string>());
  if (r.names.empty()) return make_error(Errc::invalid_argument, "seccomp rule without syscall names");
  auto action = parse_action(j.value("action", std::string("SCMP_ACT_ALLOW")));
  if (!action) return action.error();
  r.action = *action;
  r.errno_ret = j.contains("errnoRet") ? j["errnoRet"].get<uint32_t>() : EPERM;
  if (auto it = j.find("args"); it != j.end() && it->is_array()) {
    for (const auto& a : *it) {
      auto op = parse_op(a.value("op", std::string()));
      if (!op) return op.error();
      ArgCondition c;
      c.index = a.value("index", 0u);
      c.value = a.value("value", uint64_t{0});
      c.value_two = a.value("valueTwo", uint64_t{0});
      c.op = *op;
      if (c.index > 5) return make_error(Errc::invalid_argument, "seccomp argument index " + std::to_string(c.index) + " is out of range");
      r.args.push_back(c);
    }
  }
  if (auto it = j.find("includes"); it != j.end()) r.includes = parse_filter(*it);
  if (auto it = j.find("excludes"); it != j.end()) r.excludes = parse_filter(*it);
  return r;
}

}  // namespace

Result<Profile> parse_profile(std::string_view json_text) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(Errc::invalid_argument, "parse seccomp profile: not a JSON object");
  }
  try {
    Profile p;
    auto action = parse_action(j.value("defaultAction", std::string()));
    if (!action) return action.error().wrap("parse seccomp profile");
    p.default_action = *action;
    p.default_errno = j.contains("defaultErrnoRet") ? j["defaultErrnoRet"].get<uint32_t>() : EPERM;
    if (auto it = j.find("architectures"); it != j.end() && it->is_array()) {
      for (const auto& a : *it) p.architectures.push_back(libseccomp_arch(a.get<std::string>()));
    }
    // Docker's archMap: the entry for this machine names the companion architectures.
    if (auto it = j.find("archMap"); it != j.end() && it->is_array()) {
      std::string native = native_arch_name();
      for (const auto& entry : *it) {
        if (libseccomp_arch(entry.value("architecture", std::string())) != native) continue;
        p.architectures.push_back(native);
        for (const auto& sub : entry.value("subArchitectures", json::array())) {
          p.architectures.push_back(libseccomp_arch(sub.get<std::string>()));
        }
      }
    }
    if (auto it = j.find("syscalls"); it != j.end() && it->is_array()) {
      for (const auto& s : *it) {
        auto rule = parse_rule(s);
        if (!rule) return rule.error().wrap("parse seccomp profile");
        p.rules.push_back(std::move(*rule));
      }
    }
    return p;
  } catch (const json::exception& e) {
    return make_error(Errc::invalid_argument, std::string("parse seccomp profile: ") + e.what());
  }
}

Result<Profile> load_profile_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return errno_error("read seccomp profile " + path, errno);
  std::ostringstream text;
  text << in.rdbuf();
  auto p = parse_profile(text.str());
  if (!p) return p.error().wrap(path);
  return p;
}

}  // namespace mk::runtime::seccomp
