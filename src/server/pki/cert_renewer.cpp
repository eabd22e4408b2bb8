#include "server/pki/cert_renewer.h"

#include "common/log.h"

namespace mk::pki {

CertRenewer::CertRenewer(PkiOptions options, ServerPki current, std::chrono::milliseconds interval,
                         OnRenewed on_renewed)
    : options_(std::move(options)),
      serving_pem_(std::move(current.serving.cert_pem)),
      admin_pem_(std::move(current.admin.cert_pem)),
      interval_(interval),
      on_renewed_(std::move(on_renewed)) {
  thread_ = std::thread([this] { run(); });
}

CertRenewer::~CertRenewer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool CertRenewer::check_now() {
  std::lock_guard check(check_mu_);
  auto pki = ensure_server_pki(options_);
  if (!pki) {
    // The old certificates stay in use; the next check tries again.
    MK_LOG(error) << "pki: renewal check failed: " << pki.error().message;
    return false;
  }
  bool changed = pki->serving.cert_pem != serving_pem_ || pki->admin.cert_pem != admin_pem_;
  if (!changed) return false;
  serving_pem_ = pki->serving.cert_pem;
  admin_pem_ = pki->admin.cert_pem;
  MK_LOG(info) << "pki: certificates renewed; new connections use them";
  on_renewed_(*pki);
  return true;
}

void CertRenewer::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (cv_.wait_for(lock, interval_, [this] { return stop_; })) break;
    lock.unlock();
    check_now();
    lock.lock();
  }
}

}  // namespace mk::pki
