// The wire reader, the envelope, and the Go text forms of times and durations.

#include "api/protobuf/wire.h"

#include <catch2/catch.hpp>
#include <climits>
#include <string>

#include "api/protobuf/decode.h"
#include "api/protobuf/envelope.h"
#include "api/protobuf/go_format.h"
#include "api/protobuf/utf8.h"
#include "protobuf/proto_builder.h"

using mk::Errc;
using mk::api::proto::WireReader;
using mk::api::proto::WireType;
using mk::test::ProtoBuilder;

TEST_CASE("varints decode up to ten bytes and no further") {
  SECTION("small and large values") {
    ProtoBuilder b;
    b.put_varint(0).put_varint(1).put_varint(300).put_varint(UINT64_MAX);
    WireReader r(b.str());
    CHECK(*r.varint() == 0);
    CHECK(*r.varint() == 1);
    CHECK(*r.varint() == 300);
    CHECK(*r.varint() == UINT64_MAX);
    CHECK(r.done());
  }
  SECTION("an eleventh byte is refused") {
    const std::string input = std::string(10, '\x80') + '\x01';
    WireReader r(input);
    auto v = r.varint();
    REQUIRE_FALSE(v);
    CHECK(v.error().code == Errc::invalid_argument);
  }
  SECTION("a tenth byte above 1 overflows") {
    const std::string input = std::string(9, '\xff') + '\x02';
    WireReader r(input);
    auto v = r.varint();
    REQUIRE_FALSE(v);
    CHECK(v.error().code == Errc::invalid_argument);
  }
  SECTION("running out mid-varint") {
    const std::string input = std::string("\x80\x80", 2);
    WireReader r(input);
    auto v = r.varint();
    REQUIRE_FALSE(v);
    CHECK(v.error().message == "truncated varint");
  }
}

TEST_CASE("tags, fixed values and lengths are bounds-checked") {
  SECTION("field number zero") {
    const std::string input = std::string("\x00", 1);
    WireReader r(input);
    CHECK(r.tag().error().code == Errc::invalid_argument);
  }
  SECTION("groups and undefined wire types") {
    for (int type : {3, 4, 6, 7}) {
      ProtoBuilder b;
      b.key(1, type);
      WireReader r(b.str());
      CHECK_FALSE(r.tag());
    }
  }
  SECTION("fixed widths") {
    ProtoBuilder b;
    b.fixed64(1, 0x0102030405060708ull).fixed32(2, 0xa1b2c3d4u);
    WireReader r(b.str());
    CHECK(r.tag()->type == WireType::fixed64);
    CHECK(*r.fixed64() == 0x0102030405060708ull);
    CHECK(r.tag()->type == WireType::fixed32);
    CHECK(*r.fixed32() == 0xa1b2c3d4u);
    const std::string short_input = std::string("\x01\x02\x03", 3);
    WireReader short_read(short_input);
    CHECK_FALSE(short_read.fixed32());
    CHECK_FALSE(short_read.fixed64());
  }
  SECTION("a length past the end") {
    const std::string input = std::string(
        "\x05"
        "abc",
        4);
    WireReader r(input);
    auto v = r.bytes();
    REQUIRE_FALSE(v);
    CHECK(v.error().code == Errc::invalid_argument);
  }
  SECTION("a length near 2^64 does not wrap around") {
    ProtoBuilder b;
    b.put_varint(UINT64_MAX).raw("abc");
    WireReader r(b.str());
    CHECK_FALSE(r.bytes());
  }
  SECTION("skipping each wire type") {
    ProtoBuilder b;
    b.varint(1, 7).fixed64(2, 1).fixed32(3, 1).bytes(4, "xyz");
    WireReader r(b.str());
    while (!r.done()) {
      auto t = r.tag();
      REQUIRE(t);
      REQUIRE(r.skip(t->type));
    }
  }
}

TEST_CASE("durations print as Go's time.Duration.String") {
  using mk::api::proto::format_go_duration;
  const int64_t s = 1000000000;
  CHECK(format_go_duration(0) == "0s");
  CHECK(format_go_duration(1) == "1ns");
  CHECK(format_go_duration(1500) == "1.5\xc2\xb5s");
  CHECK(format_go_duration(250000000) == "250ms");
  CHECK(format_go_duration(1500000) == "1.5ms");
  CHECK(format_go_duration(s) == "1s");
  CHECK(format_go_duration(s + s / 2) == "1.5s");
  CHECK(format_go_duration(90 * s) == "1m30s");
  CHECK(format_go_duration(3600 * s) == "1h0m0s");
  CHECK(format_go_duration(3600 * s + 1) == "1h0m0.000000001s");
  CHECK(format_go_duration(-2 * 3600 * s) == "-2h0m0s");
  CHECK(format_go_duration(INT64_MAX) == "2562047h47m16.854775807s");
  CHECK(format_go_duration(INT64_MIN) == "-2562047h47m16.854775808s");
}

TEST_CASE("timestamps print as metav1.Time and metav1.MicroTime") {
  using mk::api::proto::format_timestamp;
  CHECK(*format_timestamp(1795489445, 0, false) == "2026-11-24T03:04:05Z");
  CHECK(*format_timestamp(1795489445, 123456789, false) == "2026-11-24T03:04:05Z");
  CHECK(*format_timestamp(1795489445, 123456789, true) == "2026-11-24T03:04:05.123456Z");
  CHECK(*format_timestamp(0, 0, true) == "1970-01-01T00:00:00.000000Z");
  CHECK(*format_timestamp(-1, 0, false) == "1969-12-31T23:59:59Z");
  CHECK(*format_timestamp(951782400, 0, false) == "2000-02-29T00:00:00Z");
  // Nanoseconds outside one second carry, as time.Unix does.
  CHECK(*format_timestamp(0, -1, true) == "1969-12-31T23:59:59.999999Z");
  CHECK(*format_timestamp(0, 2500000000, true) == "1970-01-01T00:00:02.500000Z");
  CHECK(*format_timestamp(-62167219200, 0, false) == "0000-01-01T00:00:00Z");
  CHECK(*format_timestamp(253402300799, 0, false) == "9999-12-31T23:59:59Z");
  CHECK(format_timestamp(253402300800, 0, false).error().code == Errc::invalid_argument);
  CHECK(format_timestamp(-62167219201, 0, false).error().code == Errc::invalid_argument);
  CHECK_FALSE(format_timestamp(INT64_MAX, 2000000000, false));
  CHECK_FALSE(format_timestamp(INT64_MIN, -2000000000, false));
}

TEST_CASE("invalid UTF-8 becomes U+FFFD byte by byte, as Go's JSON encoder writes it") {
  using mk::api::proto::valid_utf8;
  CHECK(valid_utf8("plain") == "plain");
  CHECK(valid_utf8("gr\xc3\xbc\xc3\x9f") == "gr\xc3\xbc\xc3\x9f");
  CHECK(valid_utf8("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
  CHECK(valid_utf8("a\xff"
                   "b") ==
        "a\xef\xbf\xbd"
        "b");
  CHECK(valid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong '/'
  CHECK(valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  CHECK(valid_utf8("\xe2\x82") == "\xef\xbf\xbd\xef\xbf\xbd");                  // cut short
}

TEST_CASE("the envelope names the type and carries the object") {
  using mk::api::proto::parse_envelope;
  SECTION("the observed ConfigMap body") {
    // The dump of `kubectl create configmap cm1 --from-literal=a=b` in kube-api.md 5.7.
    static const char kBody[] =
        "k8s\0\x0a\x0f\x0a\x02v1\x12\x09"
        "ConfigMap\x12\x1d\x0a\x13\x0a\x03"
        "cm1\x12\x00\x1a\x00\x22\x00\x2a\x00\x32\x00\x38\x00\x42\x00"
        "\x12\x06\x0a\x01"
        "a\x12\x01"
        "b\x1a\x00\x22\x00";
    const std::string body(kBody, sizeof kBody - 1);
    REQUIRE(body.size() == 56);
    auto e = parse_envelope(body);
    REQUIRE(e);
    CHECK(e->api_version == "v1");
    CHECK(e->kind == "ConfigMap");
    CHECK(e->raw.size() == 29);
    auto d = mk::api::proto::decode_kubernetes_protobuf(body);
    REQUIRE(d);
    CHECK(d->object ==
          nlohmann::json::parse(
              R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1"},"data":{"a":"b"}})"));
  }
  SECTION("refusals") {
    auto refuses = [](const std::string& body, const std::string& why) {
      auto e = mk::api::proto::decode_kubernetes_protobuf(body);
      INFO(why);
      REQUIRE_FALSE(e);
      CHECK(e.error().code == Errc::invalid_argument);
      CHECK_THAT(e.error().message, Catch::Contains(why));
    };
    refuses("", "magic");
    refuses("k8s", "magic");
    refuses(std::string("k9s\0", 4), "magic");
    refuses("{\"kind\":\"ConfigMap\"}", "magic");
    refuses(std::string("k8s\0", 4), "no apiVersion and kind");
    ProtoBuilder no_raw;
    no_raw.message(1, ProtoBuilder().bytes(1, "v1").bytes(2, "ConfigMap"));
    refuses(std::string("k8s\0", 4) + no_raw.str(), "no object");
    ProtoBuilder gzip;
    gzip.message(1, ProtoBuilder().bytes(1, "v1").bytes(2, "ConfigMap")).bytes(2, "").bytes(3, "gzip");
    refuses(std::string("k8s\0", 4) + gzip.str(), "content encoding gzip");
    ProtoBuilder wrong_type;
    wrong_type.varint(1, 5);
    refuses(std::string("k8s\0", 4) + wrong_type.str(), "typeMeta");
    refuses(mk::test::kubernetes_body("v1", "Gadget", ""), "no kind Gadget in v1");
    refuses(mk::test::kubernetes_body("v1", "Deployment", ""), "no kind Deployment in v1");
    refuses(mk::test::kubernetes_body("apps/v2", "Deployment", ""), "no kind Deployment in apps/v2");
  }
  SECTION("unknown envelope fields and content type are tolerated") {
    ProtoBuilder b;
    b.message(1, ProtoBuilder().bytes(1, "v1").bytes(2, "Namespace").varint(9, 1))
        .bytes(2, "")
        .bytes(4, "application/vnd.kubernetes.protobuf")
        .fixed32(15, 7);
    auto d = mk::api::proto::decode_kubernetes_protobuf(std::string("k8s\0", 4) + b.str());
    REQUIRE(d);
    CHECK(d->kind == "Namespace");
    CHECK(d->object == nlohmann::json::parse(R"({"apiVersion":"v1","kind":"Namespace"})"));
  }
}
