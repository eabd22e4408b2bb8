// CertRenewer: a running server's leaves are re-issued when due and handed over for reload.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "pki/temp_dir.h"
#include "pki/x509_probe.h"
#include "server/pki/cert_renewer.h"

using namespace mk;
using namespace mk::pki;
using namespace std::chrono_literals;

TEST_CASE("leaves due for renewal are re-issued while running and handed to the callback") {
  test::TempDir dir;
  PkiOptions o;
  o.data_dir = dir.path() / "data";
  o.include_host_addresses = false;
  // A leaf is due 1 s after it is issued.
  o.leaf_validity = 3s;
  o.renew_before = 2s;
  auto first = ensure_server_pki(o);
  REQUIRE(first);

  std::mutex mu;
  std::vector<std::string> seen;
  {
    CertRenewer renewer(o, *first, 100ms, [&](const ServerPki& fresh) {
      std::lock_guard lock(mu);
      seen.push_back(fresh.serving.cert_pem);
    });
    auto deadline = std::chrono::steady_clock::now() + 15s;
    for (;;) {
      {
        // The admin certificate may be renewed on an earlier round than the serving one.
        std::lock_guard lock(mu);
        if (!seen.empty() && seen.back() != first->serving.cert_pem) break;
      }
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(20ms);
    }
  }
  std::lock_guard lock(mu);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back() != first->serving.cert_pem);
  // What the callback got is what is on disk now, so a restart serves the same certificate.
  CHECK(test::slurp(first->paths.serving_cert) == seen.back());
}

TEST_CASE("a check with nothing due changes nothing") {
  test::TempDir dir;
  PkiOptions o;
  o.data_dir = dir.path() / "data";
  o.include_host_addresses = false;
  auto first = ensure_server_pki(o);
  REQUIRE(first);
  std::atomic<int> calls{0};
  CertRenewer renewer(o, *first, std::chrono::hours(1), [&](const ServerPki&) { ++calls; });
  CHECK_FALSE(renewer.check_now());
  CHECK(calls == 0);
}
