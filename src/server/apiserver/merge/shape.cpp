#include "server/apiserver/merge/shape.h"

namespace mk::apiserver::merge {

namespace schema = api::schema;

namespace {

// The shape of a single (non-container) value of a field's type.
Shape single_value(const schema::FieldType& t, const schema::Field* field) {
  Shape s;
  s.field = field;
  switch (t.base) {
    case schema::Base::message:
      s.kind = t.message ? ShapeKind::object : ShapeKind::deduced;
      s.type = t.message;
      break;
    case schema::Base::any:
    case schema::Base::raw_extension:
      s.kind = ShapeKind::deduced;
      break;
    default:
      s.kind = ShapeKind::scalar;
      break;
  }
  return s;
}

}  // namespace

Shape Shape::of_type(const schema::TypeDef& type) {
  Shape s;
  s.kind = ShapeKind::object;
  s.type = &type;
  return s;
}

Shape Shape::of_field(const schema::Field& field) {
  switch (field.type.container) {
    case schema::Container::list: {
      Shape s;
      s.kind = ShapeKind::list;
      s.field = &field;
      return s;
    }
    case schema::Container::map: {
      Shape s;
      s.kind = ShapeKind::map;
      s.field = &field;
      return s;
    }
    case schema::Container::none:
      break;
  }
  return single_value(field.type, &field);
}

Shape Shape::child(std::string_view name) const {
  switch (kind) {
    case ShapeKind::object:
      if (const schema::Field* f = type->json_field(name)) return of_field(*f);
      return Shape{};
    case ShapeKind::map:
      return element();
    default:
      return Shape{};
  }
}

Shape Shape::element() const {
  if ((kind != ShapeKind::list && kind != ShapeKind::map) || !field) return Shape{};
  return single_value(field->type, nullptr);
}

bool Shape::is_keyed_list() const {
  return kind == ShapeKind::list && field && field->list_type == schema::ListType::map && !field->list_keys.empty() &&
         field->type.base == schema::Base::message;
}

bool Shape::is_set_list() const {
  return kind == ShapeKind::list && field && field->list_type == schema::ListType::set;
}

}  // namespace mk::apiserver::merge
