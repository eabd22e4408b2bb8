#pragma once
// The root-ca-cert-publisher: a kube-root-ca.crt ConfigMap in every namespace holding the CA
// that signs the API server's certificate (ca.crt), put back when deleted or changed. Pods'
// kube-api-access volumes project it next to their token.

#include <memory>
#include <string>

#include "server/controllers/controller.h"

namespace mk::controllers {

std::unique_ptr<Controller> make_root_ca_publisher(std::string ca_pem);

}  // namespace mk::controllers
