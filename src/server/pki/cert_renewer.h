#pragma once
// Keeps a long-running server's leaf certificates fresh: every `interval` it runs
// ensure_server_pki() again (which re-issues leaves that are due) and, when the serving
// certificate changed, hands the new PKI to `on_renewed` (the server reloads its TLS context).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "server/pki/server_pki.h"

namespace mk::pki {

class CertRenewer {
 public:
  using OnRenewed = std::function<void(const ServerPki&)>;

  // `current` is the PKI the server started with.
  CertRenewer(PkiOptions options, ServerPki current, std::chrono::milliseconds interval, OnRenewed on_renewed);
  ~CertRenewer();  // stops the thread
  CertRenewer(const CertRenewer&) = delete;
  CertRenewer& operator=(const CertRenewer&) = delete;

  // Runs one check now (also what the thread does each interval); true when it renewed.
  bool check_now();

 private:
  void run();

  PkiOptions options_;
  std::string serving_pem_;
  std::string admin_pem_;
  std::chrono::milliseconds interval_;
  OnRenewed on_renewed_;
  std::mutex check_mu_;  // one check at a time
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mk::pki
