#include "api/schema/schema.h"

#include <cctype>
#include <functional>
#include <set>

namespace mk::api::schema {
namespace {

struct LineParser {
  std::string_view rest;
  bool eof() {
    skip_space();
    return rest.empty() || rest.front() == '#';
  }
  void skip_space() {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t' || rest.front() == '\r'))
      rest.remove_prefix(1);
  }
  // A bare word, or the contents of a quoted string (with \" and \\ escapes).
  std::optional<std::string> token(bool* quoted = nullptr) {
    skip_space();
    if (rest.empty() || rest.front() == '#') return std::nullopt;
    if (quoted) *quoted = false;
    if (rest.front() == '"') {
      std::string out;
      size_t i = 1;
      for (; i < rest.size(); ++i) {
        char c = rest[i];
        if (c == '\\' && i + 1 < rest.size()) {
          out += rest[++i];
        } else if (c == '"') {
          break;
        } else {
          out += c;
        }
      }
      if (i >= rest.size()) return std::nullopt;  // unterminated
      rest.remove_prefix(i + 1);
      if (quoted) *quoted = true;
      return out;
    }
    size_t n = 0;
    while (n < rest.size() && rest[n] != ' ' && rest[n] != '\t' && rest[n] != '\r' && rest[n] != '#') ++n;
    std::string out(rest.substr(0, n));
    rest.remove_prefix(n);
    return out;
  }
};

std::optional<Base> base_of(std::string_view t) {
  static const std::map<std::string_view, Base> bases = {
      {"string", Base::string},       {"int32", Base::int32},
      {"int64", Base::int64},         {"bool", Base::boolean},
      {"double", Base::number},       {"bytes", Base::bytes},
      {"Time", Base::time},           {"MicroTime", Base::micro_time},
      {"Duration", Base::duration},   {"Quantity", Base::quantity},
      {"IntOrString", Base::int_or_string}, {"RawExtension", Base::raw_extension},
      {"object", Base::any},
  };
  auto it = bases.find(t);
  if (it == bases.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      if (i > start) out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

FieldType parse_type(std::string_view t) {
  FieldType ft;
  if (t.rfind("[]", 0) == 0) {
    ft.container = Container::list;
    t.remove_prefix(2);
  } else if (t.rfind("map[", 0) == 0 && t.back() == ']') {
    ft.container = Container::map;
    t = t.substr(4, t.size() - 5);
  }
  if (auto b = base_of(t)) {
    ft.base = *b;
  } else {
    ft.base = Base::message;
    ft.message_name = std::string(t);
  }
  return ft;
}

}  // namespace

const Field* TypeDef::json_field(std::string_view name) const {
  auto it = by_json_.find(name);
  return it == by_json_.end() ? nullptr : it->second;
}

const Field* TypeDef::proto_field(int number) const {
  auto it = by_number_.find(number);
  return it == by_number_.end() ? nullptr : it->second;
}

std::string api_version(const TypeDef& t) {
  if (t.group.empty() || t.group == "core") return t.version;
  return t.group + "/" + t.version;
}

Result<std::shared_ptr<const Schema>> Schema::parse(
    const std::vector<std::pair<std::string, std::string>>& files) {
  auto schema = std::make_shared<Schema>();
  for (const auto& [file, text] : files) {
    std::string group, version;
    TypeDef* current = nullptr;
    int line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::string_view line(text.data() + pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      auto fail = [&](const std::string& why) {
        return make_error(Errc::invalid_argument,
                          "schema " + file + ":" + std::to_string(line_no) + ": " + why);
      };
      bool indented = !line.empty() && (line.front() == ' ' || line.front() == '\t');
      LineParser p{line};
      if (p.eof()) continue;
      auto first = p.token();
      if (!first) return fail("unterminated string");
      if (!indented && *first == "group") {
        auto gv = p.token();
        if (!gv) return fail("group needs group/version");
        auto slash = gv->rfind('/');
        if (slash == std::string::npos) return fail("group needs group/version");
        group = gv->substr(0, slash);
        version = gv->substr(slash + 1);
        if (group == "core") group.clear();
        current = nullptr;
        continue;
      }
      if (!indented && *first == "type") {
        if (version.empty()) return fail("type before any group line");
        auto name = p.token();
        if (!name) return fail("type needs a name");
        if (schema->types_.count(*name)) return fail("type " + *name + " defined twice");
        auto t = std::make_unique<TypeDef>();
        t->name = *name;
        t->group = group;
        t->version = version;
        bool quoted = false;
        if (auto d = p.token(&quoted); d && quoted) t->description = *d;
        current = t.get();
        schema->types_.emplace(*name, std::move(t));
        continue;
      }
      if (!indented) return fail("expected group or type, found " + *first);
      if (!current) return fail("field outside a type");

      Field f;
      f.name = *first;
      auto type = p.token();
      auto number = p.token();
      if (!type || !number) return fail("field " + f.name + " needs a type and a number");
      f.type = parse_type(*type);
      try {
        f.number = std::stoi(*number);
      } catch (...) {
        return fail("field " + f.name + ": bad number " + *number);
      }
      if (f.number <= 0) return fail("field " + f.name + ": bad number " + *number);
      for (;;) {
        bool quoted = false;
        auto attr = p.token(&quoted);
        if (!attr) break;
        if (quoted) {
          f.description = *attr;
          continue;
        }
        std::string_view a = *attr;
        auto value_of = [&](std::string_view key) -> std::optional<std::string> {
          if (a.size() > key.size() && a.substr(0, key.size()) == key && a[key.size()] == '=')
            return std::string(a.substr(key.size() + 1));
          return std::nullopt;
        };
        if (a == "required") {
          f.required = true;
        } else if (a == "inline") {
          f.inline_ = true;
        } else if (a == "set") {
          f.list_type = ListType::set;
        } else if (a == "atomic") {
          f.list_type = ListType::atomic;
        } else if (a == "retainKeys") {
          f.retain_keys = true;
        } else if (auto v = value_of("merge")) {
          f.merge_key = *v;
          f.list_type = ListType::map;
          if (f.list_keys.empty()) f.list_keys = {*v};
        } else if (auto v = value_of("keys")) {
          f.list_keys = split(*v, ',');
          f.list_type = ListType::map;
        } else if (auto v = value_of("enum")) {
          f.enum_values = split(*v, '|');
        } else if (auto v = value_of("default")) {
          f.default_value = *v;
        } else {
          return fail("field " + f.name + ": unknown attribute " + std::string(a));
        }
      }
      for (const auto& other : current->fields) {
        if (other.number == f.number)
          return fail("field " + f.name + ": number " + *number + " already used by " + other.name);
        if (other.name == f.name) return fail("field " + f.name + " defined twice");
      }
      current->fields.push_back(std::move(f));
    }
  }

  // Resolve type references, then index fields (inline ones flattened into their parent).
  for (auto& [name, t] : schema->types_) {
    for (auto& f : t->fields) {
      if (f.type.base != Base::message) continue;
      auto it = schema->types_.find(f.type.message_name);
      if (it == schema->types_.end()) {
        return make_error(Errc::invalid_argument, "schema: type " + name + " field " + f.name +
                                                      " refers to unknown type " + f.type.message_name);
      }
      f.type.message = it->second.get();
    }
  }
  std::function<Status(TypeDef&, const TypeDef&, int)> flatten = [&](TypeDef& into, const TypeDef& from,
                                                                     int depth) -> Status {
    if (depth > 8) return make_error(Errc::invalid_argument, "schema: inline cycle in " + into.name);
    for (const auto& f : from.fields) {
      if (f.inline_ && f.type.message) {
        if (auto s = flatten(into, *f.type.message, depth + 1); !s) return s;
        continue;
      }
      if (into.by_json_.count(f.name)) {
        return make_error(Errc::invalid_argument,
                          "schema: type " + into.name + " has two fields named " + f.name);
      }
      into.by_json_.emplace(f.name, &f);
      into.json_fields_.push_back(&f);
    }
    return Status::ok();
  };
  for (auto& [name, t] : schema->types_) {
    for (const auto& f : t->fields) t->by_number_.emplace(f.number, &f);
    if (auto s = flatten(*t, *t, 0); !s) return s.error();
  }
  return std::shared_ptr<const Schema>(std::move(schema));
}

const TypeDef* Schema::find(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : it->second.get();
}

}  // namespace mk::api::schema
