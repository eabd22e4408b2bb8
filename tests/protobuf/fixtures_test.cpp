// Bodies captured from kubectl's typed commands (fixtures/README.md) decode to the JSON those
// commands would have sent, and damaged copies of them are refused cleanly.

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "api/protobuf/decode.h"

using mk::Errc;
using mk::api::proto::decode_kubernetes_protobuf;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Fixture {
  std::string name;
  std::string body;
  json expected;
};

const std::vector<Fixture>& fixtures() {
  static const std::vector<Fixture> all = [] {
    std::vector<Fixture> out;
    for (const auto& entry : fs::directory_iterator(MK_PROTOBUF_FIXTURES)) {
      if (entry.path().extension() != ".pb") continue;
      auto expected_path = entry.path();
      expected_path.replace_extension(".json");
      out.push_back(
          {entry.path().stem().string(), read_file(entry.path()), json::parse(read_file(expected_path))});
    }
    std::sort(out.begin(), out.end(), [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
    return out;
  }();
  return all;
}

// Fails the test unless decoding `body` is refused as invalid input; a crash or overread
// would end the test binary instead (and shows under sanitizers).
void check_refused(const std::string& body) {
  auto r = decode_kubernetes_protobuf(body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::invalid_argument);
  CHECK_FALSE(r.error().message.empty());
}

// Either outcome is fine for input that may still be well-formed, but a failure must be a
// clean invalid_argument and a success valid JSON.
void check_survives(const std::string& body) {
  auto r = decode_kubernetes_protobuf(body);
  if (r) {
    CHECK_NOTHROW(r->object.dump());
  } else {
    CHECK(r.error().code == Errc::invalid_argument);
  }
}

// Where the envelope's raw-object length starts: after the magic and the typeMeta field.
size_t raw_length_offset(const std::string& body) {
  REQUIRE(static_cast<unsigned char>(body.at(5)) < 0x80);  // typeMeta is short
  size_t at = 4 + 2 + static_cast<unsigned char>(body[5]);
  REQUIRE(body.at(at) == '\x12');
  return at + 1;
}

}  // namespace

TEST_CASE("every typed kubectl command has a fixture") {
  std::vector<std::string> names;
  for (const auto& f : fixtures()) names.push_back(f.name);
  for (const char* want :
       {"deployment", "configmap", "secret_generic", "namespace", "service_clusterip", "serviceaccount",
        "job", "cronjob", "role", "rolebinding", "clusterrole", "clusterrolebinding", "quota", "ingress",
        "pdb", "priorityclass", "token", "auth_can_i", "auth_whoami"}) {
    INFO(want);
    CHECK(std::find(names.begin(), names.end(), want) != names.end());
  }
}

TEST_CASE("captured bodies decode to the JSON the command would send") {
  for (const auto& f : fixtures()) {
    INFO(f.name);
    auto r = decode_kubernetes_protobuf(f.body);
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r);
    CHECK(r->kind == f.expected.at("kind"));
    CHECK(r->api_version == f.expected.at("apiVersion"));
    INFO("decoded:  " << r->object.dump());
    INFO("expected: " << f.expected.dump());
    CHECK(r->object == f.expected);
  }
}

TEST_CASE("truncated bodies are refused") {
  for (const auto& f : fixtures()) {
    INFO(f.name);
    // The last four bytes are the empty contentEncoding and contentType fields; cutting them
    // off leaves a well-formed body, so every cut before them must fail.
    const size_t well_formed_from = f.body.size() - 4;
    REQUIRE(f.body.substr(well_formed_from) == std::string("\x1a\x00\x22\x00", 4));
    for (size_t n = 0; n < well_formed_from; n += 7) {
      INFO("cut at " << n);
      check_refused(f.body.substr(0, n));
    }
    check_survives(f.body.substr(0, well_formed_from));
  }
}

TEST_CASE("a damaged raw-object length is refused") {
  for (const auto& f : fixtures()) {
    INFO(f.name);
    const size_t at = raw_length_offset(f.body);
    for (int delta : {+1, -1}) {
      INFO("length " << delta);
      std::string body = f.body;
      auto b = static_cast<unsigned char>(body[at]);
      body[at] = static_cast<char>((b & 0x80) | ((b + delta) & 0x7f));  // the low seven bits
      check_refused(body);
    }
    // A continuation bit on the length's last byte swallows the next byte into an absurd length.
    size_t last = at;
    while (static_cast<unsigned char>(f.body.at(last)) & 0x80) ++last;
    std::string continued = f.body;
    continued[last] = static_cast<char>(static_cast<unsigned char>(continued[last]) | 0x80);
    check_refused(continued);
  }
}

TEST_CASE("a bad magic is refused") {
  for (const auto& f : fixtures()) {
    INFO(f.name);
    for (size_t i = 0; i < 4; ++i) {
      std::string body = f.body;
      body[i] = static_cast<char>(body[i] ^ 0x20);
      check_refused(body);
    }
    check_refused(f.body.substr(4));
  }
}

TEST_CASE("random bytes are refused and random damage is survived") {
  std::mt19937 rng(20261124);
  auto random_bytes = [&rng](size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
  };
  for (int i = 0; i < 500; ++i) {
    auto body = random_bytes(rng() % 300);
    if (body.compare(0, 4, std::string("k8s\0", 4)) == 0) continue;
    check_refused(body);
  }
  for (int i = 0; i < 500; ++i) check_survives(std::string("k8s\0", 4) + random_bytes(rng() % 300));
  for (const auto& f : fixtures()) {
    INFO(f.name);
    for (int i = 0; i < 200; ++i) {
      std::string body = f.body;
      for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips) {
        body[4 + rng() % (body.size() - 4)] = static_cast<char>(rng() & 0xff);
      }
      check_survives(body);
    }
  }
}
