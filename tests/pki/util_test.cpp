// Small utilities: digests, randomness, base64, file writes, SAN sets and service CIDRs.

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <set>

#include "pki/temp_dir.h"
#include "pki/x509_probe.h"
#include "server/pki/base64.h"
#include "server/pki/digest.h"
#include "server/pki/file_util.h"
#include "server/pki/random.h"
#include "server/pki/sans.h"

using namespace mk;
using namespace mk::pki;

TEST_CASE("sha256_hex matches the FIPS 180-2 vectors", "[pki][util]") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("random_hex gives 2n lowercase hex characters that differ each call", "[pki][util]") {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto r = random_hex(16);
    REQUIRE(r);
    REQUIRE(r->size() == 32);
    CHECK(r->find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(*r);
  }
  CHECK(seen.size() == 50);
  auto empty = random_hex(0);
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("base64 follows RFC 4648", "[pki][util]") {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    auto decoded = base64_decode(encoded);
    REQUIRE(decoded);
    CHECK(*decoded == plain);
  }
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  auto round = base64_decode(base64_encode(binary));
  REQUIRE(round);
  CHECK(*round == binary);

  CHECK(base64_decode("Zm9v\nYmFy")->compare("foobar") == 0);
  CHECK(base64_decode("Zm8")->compare("fo") == 0);  // unpadded
  CHECK(base64_decode("Zm9v!").error().code == Errc::invalid_argument);
  CHECK(base64_decode("Z").error().code == Errc::invalid_argument);
  CHECK(base64_decode("Zg==Zg==").error().code == Errc::invalid_argument);
}

TEST_CASE("write_file_atomic sets the exact mode, replaces and leaves no temporary file", "[pki][util]") {
  test::TempDir dir;
  auto path = dir.path() / "secret";
  mode_t old_umask = ::umask(0077);
  auto first = write_file_atomic(path, "one", 0644);
  ::umask(old_umask);
  REQUIRE(first);
  CHECK(test::file_mode(path) == 0644);  // not narrowed by the umask

  REQUIRE(write_file_atomic(path, "two", 0600));
  CHECK(test::slurp(path) == "two");
  CHECK(test::file_mode(path) == 0600);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 1);

  auto missing = read_file(dir.path() / "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().message.find("nope") != std::string::npos);

  auto bad = write_file_atomic(dir.path() / "no-such-dir" / "f", "x", 0600);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("no-such-dir") != std::string::npos);
}

TEST_CASE("ensure_dir creates parents and gives the new directory its mode", "[pki][util]") {
  test::TempDir dir;
  auto path = dir.path() / "a" / "b" / "tls";
  REQUIRE(ensure_dir(path, 0700));
  CHECK(test::file_mode(path) == 0700);
  REQUIRE(ensure_dir(path, 0700));  // idempotent
  test::spit(dir.path() / "file", "x");
  auto st = ensure_dir(dir.path() / "file", 0700);
  REQUIRE_FALSE(st);
  CHECK(st.error().message.find("not a directory") != std::string::npos);
}

TEST_CASE("first_address is the network address plus one", "[pki][util]") {
  CHECK(*first_address("10.43.0.0/16") == "10.43.0.1");
  CHECK(*first_address("10.43.7.9/16") == "10.43.0.1");  // host bits ignored
  CHECK(*first_address("192.168.1.0/24") == "192.168.1.1");
  CHECK(*first_address("fd00:43::/112") == "fd00:43::1");
  CHECK(*first_address("10.0.0.0/30") == "10.0.0.1");
  CHECK(first_address("10.43.0.0").error().code == Errc::invalid_argument);
  CHECK(first_address("10.43.0.0/33").error().code == Errc::invalid_argument);
  CHECK(first_address("10.43.0.0/32").error().code == Errc::invalid_argument);
  CHECK(first_address("10.43.0.0/x").error().code == Errc::invalid_argument);
  CHECK(first_address("nonsense/16").error().code == Errc::invalid_argument);
}

TEST_CASE("add_san classifies, canonicalizes and rejects names", "[pki][util]") {
  SanSet s;
  REQUIRE(add_san(s, "Example.COM"));
  REQUIRE(add_san(s, "*.apps.example.com"));
  REQUIRE(add_san(s, "192.0.2.10"));
  REQUIRE(add_san(s, "2001:DB8:0:0::1"));
  REQUIRE(add_san(s, "example.com"));
  normalize(s);
  CHECK(s.dns_names == std::vector<std::string>{"*.apps.example.com", "example.com"});
  CHECK(s.ip_addresses == std::vector<std::string>{"192.0.2.10", "2001:db8::1"});

  for (const char* bad : {"", "has space", "a,b", "bad/slash", "a..b", "*.", "x.*.y"}) {
    SanSet t;
    auto st = add_san(t, bad);
    INFO(bad);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == Errc::invalid_argument);
  }
}

TEST_CASE("covers and missing_sans compare canonical sets", "[pki][util]") {
  SanSet have{{"a.example", "b.example"}, {"10.0.0.1"}};
  SanSet want{{"a.example"}, {"10.0.0.1"}};
  CHECK(covers(have, want));
  want.dns_names.push_back("c.example");
  want.ip_addresses.push_back("10.0.0.2");
  normalize(want);
  CHECK_FALSE(covers(have, want));
  CHECK(missing_sans(have, want) == std::vector<std::string>{"DNS:c.example", "IP:10.0.0.2"});
}

TEST_CASE("serving_sans holds the fixed names, service IPs and extras", "[pki][util]") {
  ServingSanOptions o;
  o.include_host = false;
  o.extra_sans = {"my.example.org", "203.0.113.5"};
  o.service_cidr = "10.43.0.0/16,fd00:43::/112";
  auto s = serving_sans(o);
  REQUIRE(s);
  CHECK(s->dns_names == std::vector<std::string>{"kubernetes", "kubernetes.default", "kubernetes.default.svc",
                                                 "kubernetes.default.svc.cluster.local", "localhost",
                                                 "my.example.org"});
  CHECK(s->ip_addresses == std::vector<std::string>{"10.43.0.1", "127.0.0.1", "203.0.113.5", "::1", "fd00:43::1"});

  o.extra_sans = {"not a name"};
  auto bad = serving_sans(o);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("--tls-san") != std::string::npos);

  o.extra_sans.clear();
  o.service_cidr = "10.43.0.0";
  CHECK_FALSE(serving_sans(o));
}

TEST_CASE("serving_sans includes every non-loopback host address", "[pki][util]") {
  auto addrs = host_addresses();
  REQUIRE(addrs);
  for (const auto& a : *addrs) {
    CHECK(a != "127.0.0.1");
    CHECK(a.rfind("fe80:", 0) != 0);
  }
  ServingSanOptions o;
  auto s = serving_sans(o);
  REQUIRE(s);
  for (const auto& a : *addrs) {
    INFO(a);
    CHECK(std::binary_search(s->ip_addresses.begin(), s->ip_addresses.end(), a));
  }
}
