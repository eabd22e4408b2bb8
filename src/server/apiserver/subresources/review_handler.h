#pragma once
// The HTTP side of the review resources (reviews.h): decode the body, answer on a worker.

#include "server/apiserver/server_impl.h"

namespace mk::apiserver {

void handle_review(ApiServer::Impl& server, const http::Request& req, const RequestInfo& info, const User& user,
                   Writer w);

}  // namespace mk::apiserver
