// Decoding messages by walking the schema: each field type, zero values, nesting and the
// errors malformed input gets.

#include "api/protobuf/message.h"

#include <catch2/catch.hpp>
#include <string>

#include "api/protobuf/zero_values.h"
#include "api/schema/schema.h"
#include "protobuf/proto_builder.h"

using mk::Errc;
using mk::api::proto::decode_message;
using mk::api::schema::Schema;
using mk::api::schema::TypeDef;
using mk::test::ProtoBuilder;
using nlohmann::json;

namespace {

// Every field type of FORMAT.md, in one small schema of our own.
const Schema& test_schema() {
  static const auto schema = Schema::parse({{"test.schema", R"(
group test.example.com/v1
type Everything
  s        string          1
  blob     bytes           2
  i32      int32           3
  i64      int64           4
  flag     bool            5
  ratio    double          6
  at       Time            7
  micro    MicroTime       8
  wait     Duration        9
  amount   Quantity        10
  port     IntOrString     11
  raw      RawExtension    12
  free     object          13
  nums     []int32         14
  names    []string        15
  labels   map[string]     16
  limits   map[Quantity]   17
  child    Everything      18
  base     Base            19 inline
  needed   int32           20 required
  kids     []Everything    21
  flags    []bool          22
  ratios   []double        23
  secrets  map[bytes]      24
  times    []Time          25
type Base
  baseName string          1
)"}});
  REQUIRE(schema);
  return **schema;
}

const TypeDef& everything() { return *test_schema().find("Everything"); }

json decode(const ProtoBuilder& b) {
  auto v = decode_message(everything(), b.str());
  INFO((v ? std::string() : v.error().message));
  REQUIRE(v);
  return *v;
}

mk::Error decode_error(const std::string& data, const TypeDef& type = everything()) {
  auto v = decode_message(type, data);
  REQUIRE_FALSE(v);
  CHECK(v.error().code == Errc::invalid_argument);
  return v.error();
}

}  // namespace

TEST_CASE("scalars take their JSON forms") {
  ProtoBuilder b;
  b.bytes(1, "text")
      .bytes(2, std::string("\x00\x01\xff", 3))
      .varint(3, static_cast<uint64_t>(int64_t{-5}))  // ten bytes, sign-extended
      .varint(4, static_cast<uint64_t>(int64_t{-9000000000}))
      .varint(5, 1)
      .fixed64(6, 0x3ff8000000000000ull);  // 1.5
  CHECK(decode(b) ==
        json::parse(R"({"s":"text","blob":"AAH/","i32":-5,"i64":-9000000000,"flag":true,"ratio":1.5})"));
}

TEST_CASE("an int32 keeps only its low 32 bits, as Go truncates") {
  ProtoBuilder b;
  b.varint(3, 0x1'0000'0007ull);
  CHECK(decode(b)["i32"] == 7);
}

TEST_CASE("value types become their JSON forms") {
  ProtoBuilder b;
  b.message(7, ProtoBuilder().varint(1, 1795489445).varint(2, 999))
      .message(8, ProtoBuilder().varint(1, 1795489445).varint(2, 123456789))
      .message(9, ProtoBuilder().varint(1, 3600000000000ull))
      .message(10, ProtoBuilder().bytes(1, "100m"))
      .message(11, ProtoBuilder().varint(1, 0).varint(2, 8080))
      .message(12, ProtoBuilder().bytes(1, R"({"x":[1,2]})"))
      .bytes(13, R"({"free":true})");
  CHECK(decode(b) == json::parse(R"({"at":"2026-11-24T03:04:05Z","micro":"2026-11-24T03:04:05.123456Z",
      "wait":"1h0m0s","amount":"100m","port":8080,"raw":{"x":[1,2]},"free":{"free":true}})"));

  ProtoBuilder named;
  named.message(11, ProtoBuilder().varint(1, 1).bytes(3, "http"));
  CHECK(decode(named)["port"] == "http");
  ProtoBuilder odd;
  odd.message(11, ProtoBuilder().varint(1, 2));
  CHECK_THAT(decode_error(odd.str()).message, Catch::Contains("port: IntOrString: unknown type 2"));
}

TEST_CASE("zero times, empty raw extensions and empty quantities") {
  ProtoBuilder b;
  b.message(7, ProtoBuilder())
      .message(8, ProtoBuilder().varint(1, 0).varint(2, 0))
      .message(12, ProtoBuilder());
  CHECK(decode(b) == json::object());
  ProtoBuilder q;
  q.message(10, ProtoBuilder());
  CHECK(decode(q)["amount"] == "0");
  ProtoBuilder year;
  year.message(7, ProtoBuilder().varint(1, 253402300800ull));
  CHECK_THAT(decode_error(year.str()).message, Catch::Contains("at: timestamp year outside 0..9999"));
}

TEST_CASE("free-form objects: raw JSON, a wrapped raw field, and user-info extra entries") {
  ProtoBuilder wrapped;
  wrapped.message(13, ProtoBuilder().bytes(1, R"({"f:metadata":{}})"));
  CHECK(decode(wrapped)["free"] == json::parse(R"({"f:metadata":{}})"));

  ProtoBuilder extra;
  extra.message(13, ProtoBuilder().bytes(1, "scopes").message(2, ProtoBuilder().bytes(1, "a").bytes(1, "b")))
      .message(13, ProtoBuilder().bytes(1, "team").message(2, ProtoBuilder().bytes(1, "x")));
  CHECK(decode(extra)["free"] == json::parse(R"({"scopes":["a","b"],"team":["x"]})"));

  ProtoBuilder not_json;
  not_json.bytes(13, "{nope");
  CHECK_THAT(decode_error(not_json.str()).message, Catch::Contains("free: embedded JSON does not parse"));
}

TEST_CASE("repeated fields, packed or not, and maps") {
  ProtoBuilder packed_items;
  packed_items.put_varint(1).put_varint(static_cast<uint64_t>(int64_t{-2})).put_varint(300);
  // 1.0 and 2.0 as little-endian doubles, packed.
  const std::string ratios("\0\0\0\0\0\0\xf0\x3f\0\0\0\0\0\0\0\x40", 16);
  ProtoBuilder b;
  b.varint(14, 7)
      .bytes(14, packed_items.str())
      .varint(14, 8)
      .bytes(15, "a")
      .bytes(15, "")
      .bytes(15, "c")
      .bytes(22, std::string("\x01\x00", 2))
      .bytes(23, ratios)
      .message(16, ProtoBuilder().bytes(1, "app").bytes(2, "web"))
      .message(16, ProtoBuilder().bytes(1, "tier").bytes(2, "fe"))
      .message(16, ProtoBuilder().bytes(1, "app").bytes(2, "api"))  // a later entry wins
      .message(16, ProtoBuilder().bytes(1, "empty"))
      .message(17, ProtoBuilder().bytes(1, "cpu").message(2, ProtoBuilder().bytes(1, "250m")))
      .message(24, ProtoBuilder().bytes(1, "key").bytes(2, "\x01\x02"))
      .message(25, ProtoBuilder().varint(1, 0).varint(2, 0));
  CHECK(decode(b) == json::parse(R"({"nums":[7,1,-2,300,8],"names":["a","","c"],"flags":[true,false],
      "ratios":[1.0,2.0],"labels":{"app":"api","tier":"fe","empty":""},"limits":{"cpu":"250m"},
      "secrets":{"key":"AQI="},"times":[null]})"));
  ProtoBuilder empty_packed;
  empty_packed.bytes(14, "");
  CHECK(decode(empty_packed) == json::object());
}

TEST_CASE("embedded messages nest, merge, and inline ones flatten") {
  ProtoBuilder b;
  b.message(18, ProtoBuilder().bytes(1, "inner").message(18, ProtoBuilder().varint(3, 2)))
      .message(18, ProtoBuilder().varint(4, 9))  // a second occurrence merges into the first
      .message(19, ProtoBuilder().bytes(1, "flat"))
      .message(21, ProtoBuilder().bytes(1, "first"))
      .message(21, ProtoBuilder())
      .message(18, ProtoBuilder().message(18, ProtoBuilder()));
  CHECK(decode(b) == json::parse(R"({"child":{"s":"inner","child":{"i32":2},"i64":9},"baseName":"flat",
      "kids":[{"s":"first"},{}]})"));
}

TEST_CASE("zero scalars are dropped unless required or a Go pointer") {
  ProtoBuilder b;
  b.bytes(1, "").bytes(2, "").varint(3, 0).varint(4, 0).varint(5, 0).fixed64(6, 0).varint(20, 0);
  CHECK(decode(b) == json::parse(R"({"needed":0})"));

  ProtoBuilder later;
  later.bytes(1, "set").bytes(1, "");  // the last occurrence wins, even when it is empty
  CHECK(decode(later) == json::object());

  const auto& real = Schema::builtin();
  ProtoBuilder spec;
  spec.varint(1, 0).varint(5, 0);  // DeploymentSpec replicas (a pointer) and minReadySeconds
  CHECK(*decode_message(*real.find("DeploymentSpec"), spec.str()) == json::parse(R"({"replicas":0})"));
}

TEST_CASE("every Go pointer field listed names a scalar field of the schema") {
  const auto& schema = Schema::builtin();
  for (auto name : mk::api::proto::pointer_scalar_fields()) {
    INFO(name);
    auto dot = name.find('.');
    REQUIRE(dot != std::string_view::npos);
    const TypeDef* type = schema.find(name.substr(0, dot));
    REQUIRE(type);
    const mk::api::schema::Field* field = nullptr;
    for (const auto& f : type->fields)
      if (f.name == name.substr(dot + 1)) field = &f;
    REQUIRE(field);
    CHECK(field->type.container == mk::api::schema::Container::none);
    const auto base = field->type.base;
    CHECK((base == mk::api::schema::Base::string || base == mk::api::schema::Base::int32 ||
           base == mk::api::schema::Base::int64 || base == mk::api::schema::Base::boolean));
  }
}

TEST_CASE("unknown field numbers are skipped whatever their wire type") {
  ProtoBuilder b;
  b.varint(100, 1).fixed64(101, 2).fixed32(102, 3).bytes(103, "junk").bytes(1, "kept");
  CHECK(decode(b) == json::parse(R"({"s":"kept"})"));
}

TEST_CASE("strings with invalid UTF-8 are repaired, not refused") {
  ProtoBuilder b;
  b.bytes(1, "a\xff").message(16, ProtoBuilder().bytes(1, "k\xfe").bytes(2, "v"));
  auto v = decode(b);
  CHECK(v["s"] == "a\xef\xbf\xbd");
  CHECK(v["labels"].contains("k\xef\xbf\xbd"));
  CHECK_NOTHROW(v.dump());
}

TEST_CASE("malformed input is refused with the field's path") {
  SECTION("a wrong wire type for a known field") {
    ProtoBuilder b;
    b.bytes(3, "x");
    CHECK_THAT(decode_error(b.str()).message,
               Catch::Contains("i32: wire type length-delimited, expected varint"));
    ProtoBuilder s;
    s.varint(1, 1);
    CHECK_THAT(decode_error(s.str()).message,
               Catch::Contains("s: wire type varint, expected length-delimited"));
    ProtoBuilder d;
    d.varint(6, 1);
    CHECK_THAT(decode_error(d.str()).message, Catch::Contains("ratio: wire type varint, expected fixed64"));
  }
  SECTION("deep in a list") {
    ProtoBuilder b;
    b.message(21, ProtoBuilder()).message(21, ProtoBuilder().message(18, ProtoBuilder().bytes(5, "x")));
    CHECK_THAT(decode_error(b.str()).message,
               Catch::Contains("kids[1].child.flag: wire type length-delimited"));
  }
  SECTION("an over-long varint") {
    ProtoBuilder b;
    b.key(4, 0).raw(std::string(10, '\xff')).raw("\x01");
    CHECK_THAT(decode_error(b.str()).message, Catch::Contains("i64: varint"));
  }
  SECTION("a length past the end, inside a nested message") {
    ProtoBuilder b;
    b.message(18, ProtoBuilder().key(1, 2).put_varint(50).raw("short"));
    CHECK_THAT(decode_error(b.str()).message, Catch::Contains("child.s: length 50 runs past the end"));
  }
  SECTION("truncation") {
    ProtoBuilder b;
    b.bytes(1, "abcdef").varint(4, 123456789);
    for (size_t n = 1; n < b.str().size(); ++n) {
      if (n == 8) continue;  // the boundary between the two fields
      INFO(n);
      decode_error(b.str().substr(0, n));
    }
  }
  SECTION("non-finite doubles") {
    ProtoBuilder b;
    b.fixed64(6, 0x7ff0000000000000ull);
    CHECK_THAT(decode_error(b.str()).message, Catch::Contains("not finite"));
  }
}

TEST_CASE("nesting is limited to 100 levels") {
  auto nested = [](int levels) {
    ProtoBuilder inner;
    inner.bytes(1, "bottom");
    for (int i = 1; i < levels; ++i) {
      ProtoBuilder outer;
      outer.message(18, inner);
      inner = outer;
    }
    return inner.str();
  };
  CHECK(decode_message(everything(), nested(100)));
  CHECK_THAT(decode_error(nested(101)).message, Catch::Contains("nest deeper than 100"));
  // Thousands of levels end in the same refusal rather than exhausting the stack.
  decode_error(nested(5000));

  ProtoBuilder deep_json;
  deep_json.message(12, ProtoBuilder().bytes(1, std::string(150, '[') + std::string(150, ']')));
  CHECK_THAT(decode_error(deep_json.str()).message, Catch::Contains("raw: embedded JSON nests deeper"));
  ProtoBuilder ok_json;
  ok_json.message(12, ProtoBuilder().bytes(1, std::string(50, '[') + std::string(50, ']')));
  CHECK(decode_message(everything(), ok_json.str()));
}
