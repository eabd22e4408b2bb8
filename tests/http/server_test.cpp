// Request/response behaviour of mk::http::Server: TLS, keep-alive, bodies and their limits,
// error responses, client certificate identity, plain HTTP.

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#include <httplib.h>
#include <openssl/pem.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "http/test_client.h"
#include "http/test_pki.h"
#include "http/test_util.h"
#include "http/server.h"

using namespace mk::http;
using namespace mk::http::test;

namespace {

// Echoes what the handler saw as "key=value" lines.
std::string describe(const Request& req) {
  std::string out;
  out += "method=" + req.method + "\n";
  out += "path=" + req.path + "\n";
  out += "query=" + req.query + "\n";
  out += "cn=" + req.peer_common_name + "\n";
  out += "orgs=";
  for (const auto& o : req.peer_organizations) out += o + ",";
  out += "\n";
  out += "remote=" + req.remote_address + "\n";
  out += "auth=" + req.header("authorization") + "\n";
  out += "body=" + req.body + "\n";
  return out;
}

void echo_handler(Request&& req, std::shared_ptr<ResponseWriter> writer) {
  writer->respond(200, {{"Content-Type", "text/plain"}}, describe(req));
}

std::unique_ptr<Server> start_server(ServerOptions options, Handler handler = echo_handler) {
  auto server = Server::start(std::move(options), std::move(handler));
  if (!server) FAIL("start: " << server.error().message);
  return std::move(*server);
}

X509_STORE* ca_store() {
  const std::string& pem = shared_pki().ca.cert_pem;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_free(ca);
  return store;
}

bool has_line(const std::string& body, const std::string& line) {
  return body.find(line + "\n") != std::string::npos;
}

std::string post_request(std::size_t content_length, std::string_view extra = {}) {
  return "POST /upload HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
         std::to_string(content_length) + "\r\n" + std::string(extra) + "\r\n";
}

const std::string kTooLarge =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the request is too large",)"
    R"("reason":"RequestEntityTooLarge","code":413})";

}  // namespace

TEST_CASE("a GET over TLS is answered to a verifying client", "[http]") {
  auto server = start_server(tls_options());
  httplib::SSLClient client("127.0.0.1", server->port());
  client.set_ca_cert_store(ca_store());
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  auto res = client.Get("/api/v1/pods?watch=false&limit=5", {{"Authorization", "Bearer secret-token"}});
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/plain");
  CHECK(has_line(res->body, "method=GET"));
  CHECK(has_line(res->body, "path=/api/v1/pods"));
  CHECK(has_line(res->body, "query=watch=false&limit=5"));
  CHECK(has_line(res->body, "auth=Bearer secret-token"));
  CHECK(has_line(res->body, "cn="));  // no client certificate
  CHECK(has_line(res->body, "orgs="));
  server->shutdown(std::chrono::seconds(2));
}

TEST_CASE("keep-alive serves several requests on one connection", "[http]") {
  auto server = start_server(tls_options());
  ClientTls tls(shared_pki().ca.cert_pem);

  SECTION("one after another") {
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    std::set<std::string> remotes;
    for (int i = 0; i < 5; ++i) {
      REQUIRE(conn->send(get_request("/r" + std::to_string(i))));
      auto res = conn->read_response();
      REQUIRE(res);
      CHECK(res->status == 200);
      CHECK(res->header("Connection").empty());
      CHECK(has_line(res->body, "path=/r" + std::to_string(i)));
      remotes.insert(res->body.substr(res->body.find("remote=")));
    }
    CHECK(remotes.size() == 1);
  }
  SECTION("pipelined in one write, answered in order") {
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    REQUIRE(conn->send(get_request("/a") + get_request("/b") + get_request("/c")));
    for (const char* path : {"/a", "/b", "/c"}) {
      auto res = conn->read_response();
      REQUIRE(res);
      CHECK(has_line(res->body, std::string("path=") + path));
    }
  }
  SECTION("with cpp-httplib") {
    httplib::SSLClient client("127.0.0.1", server->port());
    client.set_ca_cert_store(ca_store());
    client.enable_server_certificate_verification(true);
    client.set_keep_alive(true);
    client.set_read_timeout(5, 0);
    for (int i = 0; i < 3; ++i) {
      auto res = client.Get("/k");
      REQUIRE(res);
      CHECK(res->status == 200);
    }
  }
  CHECK(server->accepted_count() == 1);
  server->shutdown(std::chrono::seconds(2));
}

TEST_CASE("request bodies arrive with Content-Length and chunked coding", "[http]") {
  auto server = start_server(tls_options());
  ClientTls tls(shared_pki().ca.cert_pem);
  auto conn = Conn::open(server->port(), &tls);
  REQUIRE(conn);

  REQUIRE(conn->send(post_request(5) + "hello"));
  auto res = conn->read_response();
  REQUIRE(res);
  CHECK(has_line(res->body, "body=hello"));

  REQUIRE(conn->send("PUT /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"));
  res = conn->read_response();
  REQUIRE(res);
  CHECK(has_line(res->body, "method=PUT"));
  CHECK(has_line(res->body, "body=abcdefg"));

  SECTION("exactly the limit is accepted") {
    std::string body(3u << 20, 'x');
    REQUIRE(conn->send(post_request(body.size()) + body, std::chrono::seconds(20)));
    res = conn->read_response(std::chrono::seconds(20));
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  SECTION("Expect: 100-continue gets 100 before the body") {
    REQUIRE(conn->send(post_request(3, "Expect: 100-continue\r\n")));
    auto interim = conn->read_head();
    REQUIRE(interim);
    CHECK(interim->status == 100);
    REQUIRE(conn->send("abc"));
    res = conn->read_response();
    REQUIRE(res);
    CHECK(has_line(res->body, "body=abc"));
  }
  server->shutdown(std::chrono::seconds(2));
}

TEST_CASE("a body over 3 MiB gets 413 and the connection is closed cleanly", "[http]") {
  std::atomic<int> handled{0};
  auto server = start_server(tls_options(), [&](Request&& req, std::shared_ptr<ResponseWriter> w) {
    ++handled;
    echo_handler(std::move(req), std::move(w));
  });
  ClientTls tls(shared_pki().ca.cert_pem);

  SECTION("announced by Content-Length: refused before the body") {
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    REQUIRE(conn->send(post_request((3u << 20) + 1)));
    auto res = conn->read_response();
    REQUIRE(res);
    CHECK(res->status == 413);
    CHECK(res->header("Content-Type") == "application/json");
    CHECK(res->header("Connection") == "close");
    CHECK(res->body == kTooLarge);
    CHECK(conn->wait_closed());
  }
  SECTION("chunked upload that grows past the limit") {
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    REQUIRE(conn->send("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
    std::string piece(256 * 1024, 'y');
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    bool sent_all = true;
    for (int i = 0; i < 14 && sent_all; ++i) sent_all = conn->send(size + piece + "\r\n");
    auto res = conn->read_response();
    REQUIRE(res);
    CHECK(res->status == 413);
    CHECK(res->body == kTooLarge);
    CHECK(conn->wait_closed());
  }
  SECTION("a client that sends the whole body first still reads the 413") {
    httplib::SSLClient client("127.0.0.1", server->port());
    client.set_ca_cert_store(ca_store());
    client.enable_server_certificate_verification(true);
    client.set_read_timeout(10, 0);
    client.set_write_timeout(10, 0);
    std::string body(4u << 20, 'z');
    auto res = client.Post("/big", body, "application/octet-stream");
    REQUIRE(res);
    CHECK(res->status == 413);
    CHECK(res->body == kTooLarge);
  }
  CHECK(handled == 0);

  // The server is fine afterwards.
  auto conn = Conn::open(server->port(), &tls);
  REQUIRE(conn);
  REQUIRE(conn->send(get_request("/after")));
  auto res = conn->read_response();
  REQUIRE(res);
  CHECK(res->status == 200);
  server->shutdown(std::chrono::seconds(2));
}

TEST_CASE("the API layer can supply the error bodies", "[http]") {
  ServerOptions options = tls_options();
  options.max_body_bytes = 10;
  options.error_body = [](int status, std::string_view message) {
    return ErrorResponse{"text/plain", std::to_string(status) + ": " + std::string(message)};
  };
  auto server = start_server(options);
  ClientTls tls(shared_pki().ca.cert_pem);
  auto conn = Conn::open(server->port(), &tls);
  REQUIRE(conn);
  REQUIRE(conn->send(post_request(11) + "0123456789A"));
  auto res = conn->read_response();
  REQUIRE(res);
  CHECK(res->status == 413);
  CHECK(res->header("Content-Type") == "text/plain");
  CHECK(res->body == "413: the request is too large");
  server->shutdown(std::chrono::seconds(2));
}

TEST_CASE("malformed and oversized request heads are refused", "[http]") {
  ServerOptions options = tls_options();
  options.max_header_bytes = 4096;
  auto server = start_server(options);
  ClientTls tls(shared_pki().ca.cert_pem);

  SECTION("garbage gets 400") {
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    REQUIRE(conn->send("THIS IS NOT HTTP\r\n\r\n"));
    auto res = conn->read_response();
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->body.find(R"("reason":"BadRequest","code":400)") != std::string::npos);
    CHECK(conn->wait_closed());
  }
  SECTION("a head over max_header_bytes gets 431") {
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    REQUIRE(conn->send(get_request("/", "X-Big: " + std::string(8000, 'h') + "\r\n")));
    auto res = conn->read_response();
    REQUIRE(res);
    CHECK(res->status == 431);
    CHECK(conn->wait_closed());
  }
  server->shutdown(std::chrono::seconds(2));
}

TEST_CASE("responses from other threads, dropped writers and throwing handlers", "[http]") {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::atomic<int> twice_results{0};  // Catch assertions belong on the test thread
  auto server = start_server(tls_options(), [&](Request&& req, std::shared_ptr<ResponseWriter> w) {
    if (req.path == "/later") {
      std::lock_guard lock(mu);
      workers.emplace_back([w] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        w->respond(201, {{"X-From", "worker"}}, "late");
      });
    } else if (req.path == "/drop") {
      // no response: the writer goes away with the handler
    } else if (req.path == "/throw") {
      throw std::runtime_error("boom");
    } else if (req.path == "/twice") {
      int ok = w->respond(200, {}, "first") ? 1 : 0;
      ok += w->respond(200, {}, "second") ? 0 : 1;
      ok += w->start_stream(200, {}) ? 0 : 1;
      twice_results = ok;
    } else if (req.path == "/close") {
      w->respond(200, {{"Connection", "close"}}, "bye");
    } else {
      w->respond(204, {}, "ignored");
    }
  });
  ClientTls tls(shared_pki().ca.cert_pem);
  auto conn = Conn::open(server->port(), &tls);
  REQUIRE(conn);

  REQUIRE(conn->send(get_request("/later")));
  auto res = conn->read_response();
  REQUIRE(res);
  CHECK(res->status == 201);
  CHECK(res->header("X-From") == "worker");
  CHECK(res->body == "late");

  REQUIRE(conn->send(get_request("/drop")));
  res = conn->read_response();
  REQUIRE(res);
  CHECK(res->status == 500);
  CHECK(res->body.find(R"("reason":"InternalError")") != std::string::npos);

  REQUIRE(conn->send(get_request("/throw")));
  res = conn->read_response();
  REQUIRE(res);
  CHECK(res->status == 500);

  REQUIRE(conn->send(get_request("/twice")));
  res = conn->read_response();
  REQUIRE(res);
  CHECK(res->body == "first");
  CHECK(twice_results == 3);

  REQUIRE(conn->send(get_request("/nocontent")));
  res = conn->read_response();
  REQUIRE(res);
  CHECK(res->status == 204);
  CHECK(res->header("Content-Length").empty());

  REQUIRE(conn->send("HEAD /later HTTP/1.1\r\nHost: t\r\n\r\n"));
  res = conn->read_response(std::chrono::seconds(5), /*head_request=*/true);
  REQUIRE(res);
  CHECK(res->header("Content-Length") == "4");
  CHECK(conn->buffer().empty());

  REQUIRE(conn->send(get_request("/close")));
  res = conn->read_response();
  REQUIRE(res);
  CHECK(res->header("Connection") == "close");
  CHECK(conn->wait_closed());

  // HTTP/1.0 without keep-alive: the connection closes after the response.
  auto old = Conn::open(server->port(), &tls);
  REQUIRE(old);
  REQUIRE(old->send("GET /close10 HTTP/1.0\r\n\r\n"));
  res = old->read_response();
  REQUIRE(res);
  CHECK(res->status == 204);
  CHECK(old->wait_closed());

  server->shutdown(std::chrono::seconds(2));
  for (auto& t : workers) t.join();
}

TEST_CASE("the handler sees the client certificate's CN and O values", "[http]") {
  const TestPki& pki = shared_pki();
  auto server = start_server(tls_options());

  SECTION("with a certificate from the client CA") {
    CertKey admin = issue_client_cert(pki.ca, "admin", {"system:masters", "ops"});
    ClientTls tls(pki.ca.cert_pem, admin.cert_pem, admin.key_pem);
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    REQUIRE(conn->send(get_request("/whoami")));
    auto res = conn->read_response();
    REQUIRE(res);
    CHECK(has_line(res->body, "cn=admin"));
    CHECK(has_line(res->body, "orgs=system:masters,ops,"));
  }
  SECTION("with cpp-httplib presenting a certificate") {
    CertKey node = issue_client_cert(pki.ca, "system:node:n1", {"system:nodes"});
    BIO* cb = BIO_new_mem_buf(node.cert_pem.data(), static_cast<int>(node.cert_pem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    BIO* kb = BIO_new_mem_buf(node.key_pem.data(), static_cast<int>(node.key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    {
      httplib::SSLClient client("127.0.0.1", server->port(), cert, key);
      client.set_ca_cert_store(ca_store());
      client.enable_server_certificate_verification(true);
      auto res = client.Get("/whoami");
      REQUIRE(res);
      CHECK(has_line(res->body, "cn=system:node:n1"));
      CHECK(has_line(res->body, "orgs=system:nodes,"));
    }
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  SECTION("without a certificate the identity is empty") {
    ClientTls tls(pki.ca.cert_pem);
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    REQUIRE(conn->send(get_request("/whoami")));
    auto res = conn->read_response();
    REQUIRE(res);
    CHECK(has_line(res->body, "cn="));
    CHECK(has_line(res->body, "orgs="));
  }
  SECTION("a certificate from another CA is refused") {
    CertKey other_ca = make_ca("someone-else");
    CertKey mallory = issue_client_cert(other_ca, "admin", {"system:masters"});
    ClientTls tls(pki.ca.cert_pem, mallory.cert_pem, mallory.key_pem);
    std::string error;
    auto conn = Conn::open(server->port(), &tls, &error);
    // TLS 1.3 clients learn of the rejection on their first read.
    bool refused = !conn;
    if (conn) {
      conn->send(get_request("/whoami"));
      refused = !conn->read_response(std::chrono::seconds(5));
    }
    CHECK(refused);
  }
  server->shutdown(std::chrono::seconds(2));
}

TEST_CASE("plain HTTP and bad options", "[http]") {
  ServerOptions options;
  options.plain_http = true;
  auto server = start_server(options);
  httplib::Client client("127.0.0.1", server->port());
  client.set_read_timeout(5, 0);
  auto res = client.Post("/plain", "data", "text/plain");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(has_line(res->body, "body=data"));
  server->shutdown(std::chrono::seconds(2));

  ServerOptions bad = tls_options();
  bad.key_pem = "not a key";
  auto failed = Server::start(bad, echo_handler);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == mk::Errc::invalid_argument);

  ServerOptions busy;
  busy.plain_http = true;
  auto first = start_server(busy);
  busy.port = first->port();
  auto second = Server::start(busy, echo_handler);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == mk::Errc::io);
}

TEST_CASE("reloaded certificates serve new connections while open ones keep theirs", "[http]") {
  auto server = start_server(tls_options());
  ClientTls trusts_old(shared_pki().ca.cert_pem);
  std::string error;
  auto before = Conn::open(server->port(), &trusts_old, &error);
  REQUIRE(before);

  CertKey new_ca = make_ca("renewed-ca");
  CertKey renewed = issue_server_cert(new_ca);
  REQUIRE(server->reload_tls(renewed.cert_pem, renewed.key_pem, ""));

  // The connection made before the reload still works.
  REQUIRE(before->send("GET /before HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r1 = before->read_response();
  REQUIRE(r1);
  CHECK(r1->status == 200);

  // New connections get the new certificate: a client trusting only the old CA is refused,
  // one trusting the new CA is served.
  CHECK_FALSE(Conn::open(server->port(), &trusts_old, &error));
  ClientTls trusts_new(new_ca.cert_pem);
  auto after = Conn::open(server->port(), &trusts_new, &error);
  INFO(error);
  REQUIRE(after);
  REQUIRE(after->send("GET /after HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r2 = after->read_response();
  REQUIRE(r2);
  CHECK(has_line(r2->body, "path=/after"));

  // Bad PEM is refused and the current certificate stays.
  CHECK_FALSE(server->reload_tls("not a certificate", "nor a key", ""));
  CHECK(Conn::open(server->port(), &trusts_new, &error));
  server->shutdown(std::chrono::seconds(2));
}
