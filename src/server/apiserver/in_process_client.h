#pragma once
// The API client for components inside the server process (controllers, scheduler): the
// same registry and semantics as HTTPS requests, without serialising over a socket.

#include <memory>

#include "client/client.h"
#include "server/apiserver/registry.h"

namespace mk::apiserver {

// `user` is who the component acts as (for managedFields and, later, RBAC).
std::unique_ptr<client::ApiClient> make_in_process_client(Registry& registry, User user);

}  // namespace mk::apiserver
