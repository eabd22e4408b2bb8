#pragma once
// Which zero scalars read from the wire belong in the JSON.
//
// Go's protobuf encoder writes every non-pointer scalar, set or not, so kubectl's ObjectMeta
// arrives as `12 00 1a 00 22 00 ...` (empty generateName, namespace, selfLink). kube-apiserver
// decodes those into zero values, and its JSON then omits them (`omitempty`). A pointer field,
// though, is only written when set, and then its zero is meaningful (`replicas: 0`,
// `automountServiceAccountToken: false`, `runAsUser: 0`). The wire cannot tell the two apart,
// so the Go pointer fields are listed here; required fields (no `omitempty` in Go) keep their
// zero too (PriorityClass `value: 0`).

#include <string_view>
#include <vector>

namespace mk::api::schema {
struct TypeDef;
struct Field;
}  // namespace mk::api::schema

namespace mk::api::proto {

// True when an empty string, 0 or false in this field is written to the JSON.
bool keeps_zero_value(const schema::TypeDef& type, const schema::Field& field);

// "Type.field" names of the scalar fields Go declares as pointers (exposed for tests that
// check each still names a schema field).
const std::vector<std::string_view>& pointer_scalar_fields();

}  // namespace mk::api::proto
