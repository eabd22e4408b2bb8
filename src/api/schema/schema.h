#pragma once
// The type schema: every Kubernetes type the server knows, loaded from the *.schema
// descriptions in defs/ (see defs/FORMAT.md). Validation, defaulting, patching, OpenAPI and
// protobuf decoding all walk this one model.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace mk::api::schema {

enum class Base {
  string, int32, int64, boolean, number, bytes,
  time, micro_time, duration, quantity, int_or_string, raw_extension, any,
  message,
};

enum class Container { none, list, map };
enum class ListType { atomic, map, set };

struct TypeDef;

struct FieldType {
  Base base = Base::string;
  Container container = Container::none;
  const TypeDef* message = nullptr;  // when base == Base::message
  std::string message_name;          // as written, resolved after loading
};

struct Field {
  std::string name;  // the JSON name
  FieldType type;
  int number = 0;    // protobuf field number
  bool required = false;
  bool inline_ = false;  // Go embedded struct: fields flattened into the parent's JSON
  std::string merge_key;               // strategic merge key of a list of objects
  std::vector<std::string> list_keys;  // server-side apply list-map keys
  ListType list_type = ListType::atomic;
  bool retain_keys = false;
  std::vector<std::string> enum_values;
  std::optional<std::string> default_value;  // as written: number, bool or bare string
  std::string description;
};

struct TypeDef {
  std::string name;
  std::string group;    // "" for core and meta's own group is "meta"
  std::string version;  // "v1"
  std::string description;
  std::vector<Field> fields;

  // A field by JSON name, looking through inline fields. nullptr when unknown.
  const Field* json_field(std::string_view name) const;
  // A field by protobuf number (own fields only; inline ones are messages of their own).
  const Field* proto_field(int number) const;
  // Every JSON-visible field, inline ones flattened, in declaration order.
  const std::vector<const Field*>& json_fields() const { return json_fields_; }

  std::vector<const Field*> json_fields_;
  std::map<std::string, const Field*, std::less<>> by_json_;
  std::map<int, const Field*> by_number_;
};

class Schema {
 public:
  // Parses descriptions; each entry is (file name, text). Errors name the file and line.
  static Result<std::shared_ptr<const Schema>> parse(
      const std::vector<std::pair<std::string, std::string>>& files);
  // The schema compiled into this binary from src/api/schema/defs.
  static const Schema& builtin();

  const TypeDef* find(std::string_view name) const;
  const std::map<std::string, std::unique_ptr<TypeDef>, std::less<>>& types() const { return types_; }

 private:
  std::map<std::string, std::unique_ptr<TypeDef>, std::less<>> types_;
};

// "core" is written for the core group in the files; JSON apiVersion omits it.
std::string api_version(const TypeDef& t);

}  // namespace mk::api::schema
