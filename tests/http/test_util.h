#pragma once
// Small helpers shared by the HTTP server tests.

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "http/test_pki.h"
#include "http/server_options.h"

namespace mk::http::test {

// Polls `pred` every few milliseconds until it holds or `timeout` passes.
template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A field of /proc/self/status ("Threads", "VmRSS"), as a number; -1 when missing.
inline long proc_status_value(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// HTTPS with the shared test PKI; client certificates verified against its CA.
inline ServerOptions tls_options() {
  const TestPki& pki = shared_pki();
  ServerOptions o;
  o.cert_pem = pki.server.cert_pem;
  o.key_pem = pki.server.key_pem;
  o.client_ca_pem = pki.ca.cert_pem;
  return o;
}

}  // namespace mk::http::test
