#include "server/apiserver/subresources/review_handler.h"

#include "common/log.h"
#include "server/apiserver/subresources/request_body.h"
#include "server/apiserver/subresources/reviews.h"

namespace mk::apiserver {

void handle_review(ApiServer::Impl& server, const http::Request& req, const RequestInfo& info, const User& user,
                   Writer w) {
  auto request = std::make_shared<http::Request>(req);
  auto info_copy = std::make_shared<RequestInfo>(info);
  ApiServer::Impl* s = &server;
  server.workers->post([s, request, info_copy, user, w] {
    try {
      ApiResult<nlohmann::json> body = nlohmann::json::object();
      if (info_copy->verb == "create") body = decode_request_body(*request);
      if (!body) return respond_error(w, body.error());
      ReviewContext ctx{user, *s->authn, *s->authz};
      auto answer = answer_review(*info_copy, std::move(*body), ctx);
      if (!answer) return respond_error(w, answer.error());
      respond_json(w, 201, *answer);
    } catch (const std::exception& e) {
      MK_LOG(error) << "apiserver: " << request->method << " " << request->path << ": " << e.what();
      respond_error(w, api::internal_error(e.what()));
    }
  });
}

}  // namespace mk::apiserver
