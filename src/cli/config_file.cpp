#include "cli/config_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>

#include "cli/option_table.h"

namespace mk::cli {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Error at(const std::string& path, const YAML::Mark& mark, const std::string& message) {
  return make_error(Errc::invalid_argument, path + ":" + std::to_string(mark.line + 1) + ": " + message);
}

Result<ConfigEntry> read_entry(const std::string& path, const std::string& key, const YAML::Node& value,
                               const YAML::Mark& mark, ValueKind kind) {
  ConfigEntry entry;
  entry.line = mark.line + 1;
  if (value.IsScalar()) {
    entry.values.push_back(value.Scalar());
    if (kind == ValueKind::list) {
      // A single string may list items with commas, as on the command line.
      std::string joined = entry.values.front();
      entry.values.clear();
      size_t start = 0;
      while (start <= joined.size()) {
        size_t comma = joined.find(',', start);
        if (comma == std::string::npos) comma = joined.size();
        if (comma > start) entry.values.push_back(joined.substr(start, comma - start));
        start = comma + 1;
      }
    }
    return entry;
  }
  if (value.IsSequence() && kind == ValueKind::list) {
    for (const auto& item : value) {
      if (!item.IsScalar()) return at(path, item.Mark(), key + ": list items must be strings");
      entry.values.push_back(item.Scalar());
    }
    return entry;
  }
  if (value.IsNull()) return at(path, mark, key + ": has no value");
  return at(path, mark,
            key + (kind == ValueKind::list ? ": expected a string or a list of strings" : ": expected a single value"));
}

}  // namespace

Result<ConfigFile> parse_config_text(const std::string& text, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return make_error(Errc::invalid_argument,
                      path + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  ConfigFile file{path, {}};
  if (root.IsNull()) return file;  // an empty file sets nothing
  if (!root.IsMap()) return at(path, root.Mark(), "expected a map of flag names to values");
  try {
    for (const auto& kv : root) {
      if (!kv.first.IsScalar()) return at(path, kv.first.Mark(), "keys must be flag names");
      const std::string key = kv.first.Scalar();
      const OptionSpec* spec = find_option(key);
      if (key == "config") return at(path, kv.first.Mark(), "config: cannot be set inside a config file");
      if (!spec) return at(path, kv.first.Mark(), "unknown key \"" + key + "\"");
      if (file.entries.count(key)) return at(path, kv.first.Mark(), key + ": set twice");
      auto entry = read_entry(path, key, kv.second, kv.first.Mark(), spec->kind);
      if (!entry) return entry.error();
      file.entries.emplace(key, std::move(entry.value()));
    }
  } catch (const YAML::Exception& e) {
    return make_error(Errc::invalid_argument, path + ": " + e.msg);
  }
  return file;
}

Result<std::optional<ConfigFile>> load_config_file(const std::string& path, bool required) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT && !required) return std::optional<ConfigFile>();
    return errno_error("open " + path, errno);
  }
  std::string text;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read " + path, errno);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > (1u << 20)) return make_error(Errc::too_large, "read " + path + ": larger than 1 MiB");
  }
  auto parsed = parse_config_text(text, path);
  if (!parsed) return parsed.error();
  return std::optional<ConfigFile>(std::move(parsed.value()));
}

}  // namespace mk::cli
