// Streaming responses, disconnect notification, timeouts, graceful shutdown and the upgrade
// hand-over of mk::http::Server.

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "http/test_client.h"
#include "http/test_util.h"
#include "http/byte_stream.h"
#include "http/server.h"

using namespace mk::http;
using namespace mk::http::test;
using namespace std::chrono_literals;

namespace {

// Collects the writers of streaming requests so the test thread can write to them.
struct StreamHub {
  std::mutex mu;
  std::vector<std::shared_ptr<ResponseWriter>> writers;
  std::atomic<int> closed{0};

  void add(std::shared_ptr<ResponseWriter> w) {
    w->on_close([this] { ++closed; });
    std::lock_guard lock(mu);
    writers.push_back(std::move(w));
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return writers.size();
  }
  std::shared_ptr<ResponseWriter> at(std::size_t i) {
    std::lock_guard lock(mu);
    return writers.at(i);
  }
};

std::unique_ptr<Server> start_server(ServerOptions options, Handler handler) {
  auto server = Server::start(std::move(options), std::move(handler));
  if (!server) FAIL("start: " << server.error().message);
  return std::move(*server);
}

Handler streaming_handler(StreamHub& hub) {
  return [&hub](Request&& req, std::shared_ptr<ResponseWriter> w) {
    if (req.path == "/watch") {
      if (w->start_stream(200, {{"Content-Type", "application/json"}})) hub.add(std::move(w));
    } else {
      w->respond(200, {{"Content-Type", "text/plain"}}, "plain " + req.path);
    }
  };
}

}  // namespace

TEST_CASE("a chunked stream carries chunks written from another thread", "[http]") {
  StreamHub hub;
  auto server = start_server(tls_options(), streaming_handler(hub));
  ClientTls tls(shared_pki().ca.cert_pem);
  auto conn = Conn::open(server->port(), &tls);
  REQUIRE(conn);
  REQUIRE(conn->send(get_request("/watch?watch=true")));
  auto head = conn->read_head();
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->header("Transfer-Encoding") == "chunked");
  CHECK(head->header("Content-Type") == "application/json");
  REQUIRE(wait_until([&] { return hub.size() == 1; }, 5s));
  auto writer = hub.at(0);

  std::thread producer([writer] {
    writer->write_chunk(R"({"type":"ADDED","object":{}})"
                        "\n");
    writer->write_chunk(R"({"type":"MODIFIED","object":{}})"
                        "\n");
  });
  producer.join();
  auto first = conn->read_chunk();
  REQUIRE(first);
  CHECK(*first == "{\"type\":\"ADDED\",\"object\":{}}\n");
  auto second = conn->read_chunk();
  REQUIRE(second);
  CHECK(*second == "{\"type\":\"MODIFIED\",\"object\":{}}\n");
  CHECK_FALSE(writer->closed());

  SECTION("end_stream ends the body and the connection serves the next request") {
    writer->end_stream();
    auto last = conn->read_chunk();
    REQUIRE(last);
    CHECK(last->empty());
    CHECK_FALSE(writer->write_chunk("late"));
    REQUIRE(conn->send(get_request("/next")));
    auto res = conn->read_response();
    REQUIRE(res);
    CHECK(res->body == "plain /next");
    CHECK(hub.closed == 0);  // a completed stream does not report a close
  }
  SECTION("on_close fires when the client disconnects") {
    conn->close();
    REQUIRE(wait_until([&] { return hub.closed == 1; }, 5s));
    CHECK(writer->closed());
    CHECK_FALSE(writer->write_chunk("nobody listens"));
    // Registering after the fact runs the callback at once.
    std::atomic<bool> late{false};
    writer->on_close([&] { late = true; });
    CHECK(late);
  }
  server->shutdown(2s);
}

TEST_CASE("a client that stops reading is dropped past max_pending_bytes", "[http]") {
  StreamHub hub;
  ServerOptions options = tls_options();
  options.max_pending_bytes = 1u << 20;
  auto server = start_server(options, streaming_handler(hub));
  ClientTls tls(shared_pki().ca.cert_pem);
  auto conn = Conn::open(server->port(), &tls);
  REQUIRE(conn);
  REQUIRE(conn->send(get_request("/watch")));
  REQUIRE(conn->read_head());
  REQUIRE(wait_until([&] { return hub.size() == 1; }, 5s));
  auto writer = hub.at(0);
  std::string piece(64 * 1024, 'e');
  bool refused = false;
  std::size_t max_pending = 0;
  for (int i = 0; i < 2000 && !refused; ++i) {  // at most 128 MiB offered
    refused = !writer->write_chunk(piece);
    max_pending = std::max(max_pending, writer->pending_bytes());
  }
  CHECK(refused);
  CHECK(max_pending <= (1u << 20) + piece.size() + 64);
  REQUIRE(wait_until([&] { return hub.closed == 1; }, 5s));
  server->shutdown(2s);
}

TEST_CASE("idle and slow clients are closed by the timeouts", "[http]") {
  StreamHub hub;
  ServerOptions options = tls_options();
  options.idle_timeout = 300ms;
  options.header_timeout = 300ms;
  auto server = start_server(options, streaming_handler(hub));
  ClientTls tls(shared_pki().ca.cert_pem);

  SECTION("idle keep-alive connection") {
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    REQUIRE(conn->send(get_request("/one")));
    REQUIRE(conn->read_response());
    auto start = std::chrono::steady_clock::now();
    CHECK(conn->wait_closed(5s));
    auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= 250ms);
    CHECK(waited < 3s);
  }
  SECTION("a connection that never sends a request") {
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    CHECK(conn->wait_closed(5s));
  }
  SECTION("a request head that never ends") {
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    REQUIRE(conn->send("GET /slow HTTP/1.1\r\nHost: t\r\n"));
    CHECK(conn->wait_closed(5s));
  }
  SECTION("an open stream is not an idle connection") {
    auto conn = Conn::open(server->port(), &tls);
    REQUIRE(conn);
    REQUIRE(conn->send(get_request("/watch")));
    REQUIRE(conn->read_head());
    std::this_thread::sleep_for(700ms);
    REQUIRE(wait_until([&] { return hub.size() == 1; }, 5s));
    CHECK(hub.at(0)->write_chunk("still here"));
    auto chunk = conn->read_chunk();
    REQUIRE(chunk);
    CHECK(*chunk == "still here");
  }
  REQUIRE(wait_until([&] { return server->connection_count() <= 1; }, 5s));
  server->shutdown(2s);
}

TEST_CASE("graceful shutdown ends open streams, finishes requests and stops", "[http]") {
  StreamHub hub;
  std::mutex mu;
  std::shared_ptr<ResponseWriter> slow_writer;
  auto handler = streaming_handler(hub);
  auto server = start_server(tls_options(), [&](Request&& req, std::shared_ptr<ResponseWriter> w) {
    if (req.path == "/slow") {
      std::lock_guard lock(mu);
      slow_writer = std::move(w);
    } else {
      handler(std::move(req), std::move(w));
    }
  });
  ClientTls tls(shared_pki().ca.cert_pem);
  auto stream = Conn::open(server->port(), &tls);
  auto slow = Conn::open(server->port(), &tls);
  auto idle = Conn::open(server->port(), &tls);
  REQUIRE((stream && slow && idle));
  REQUIRE(stream->send(get_request("/watch")));
  REQUIRE(stream->read_head());
  REQUIRE(slow->send(get_request("/slow")));
  REQUIRE(idle->send(get_request("/idle")));
  REQUIRE(idle->read_response());
  REQUIRE(wait_until([&] {
    std::lock_guard lock(mu);
    return hub.size() == 1 && slow_writer != nullptr;
  }, 5s));
  hub.at(0)->write_chunk("before shutdown");

  int port = server->port();
  auto started = std::chrono::steady_clock::now();
  std::thread stopper([&] { server->shutdown(5s); });
  // The in-flight request still gets its answer, marked Connection: close.
  std::this_thread::sleep_for(100ms);
  {
    std::lock_guard lock(mu);
    CHECK(slow_writer->respond(200, {}, "finished"));
  }
  stopper.join();
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took < 4s);

  auto chunk = stream->read_chunk();
  REQUIRE(chunk);
  CHECK(*chunk == "before shutdown");
  auto last = stream->read_chunk();
  REQUIRE(last);
  CHECK(last->empty());
  CHECK(stream->wait_closed());
  CHECK(hub.closed == 1);

  auto res = slow->read_response();
  REQUIRE(res);
  CHECK(res->body == "finished");
  CHECK(res->header("Connection") == "close");
  CHECK(slow->wait_closed());
  CHECK(idle->wait_closed());

  CHECK(server->connection_count() == 0);
  std::string error;
  CHECK_FALSE(Conn::open(port, &tls, &error));
}

TEST_CASE("shutdown closes what does not finish within the grace period", "[http]") {
  std::mutex mu;
  std::shared_ptr<ResponseWriter> kept;
  auto server = start_server(tls_options(), [&](Request&&, std::shared_ptr<ResponseWriter> w) {
    std::lock_guard lock(mu);
    kept = w;
  });
  ClientTls tls(shared_pki().ca.cert_pem);
  auto conn = Conn::open(server->port(), &tls);
  REQUIRE(conn);
  REQUIRE(conn->send(get_request("/never")));
  REQUIRE(wait_until([&] {
    std::lock_guard lock(mu);
    return kept != nullptr;
  }, 5s));
  std::atomic<bool> closed{false};
  kept->on_close([&] { closed = true; });
  auto started = std::chrono::steady_clock::now();
  server->shutdown(300ms);
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  CHECK(closed);
  CHECK(conn->wait_closed());
  CHECK_FALSE(kept->respond(200, {}, "too late"));
}

TEST_CASE("an upgraded connection carries raw bytes both ways", "[http]") {
  std::atomic<int> stream_closed{0};
  std::atomic<int> upgrades{0};
  std::mutex mu;
  std::vector<std::shared_ptr<ByteStream>> streams;
  auto server = start_server(tls_options(), [&](Request&& req, std::shared_ptr<ResponseWriter> w) {
    if (!req.wants_upgrade() || req.header("Upgrade") != "x-echo") {
      w->respond(400, {}, "expected an upgrade");
      return;
    }
    bool ok = w->upgrade(101, {{"Upgrade", "x-echo"}}, [&](std::shared_ptr<ByteStream> stream) {
      std::weak_ptr<ByteStream> weak = stream;
      stream->start(
          [weak](std::string_view data) {
            auto s = weak.lock();
            if (!s) return;
            if (data.find("quit") != std::string_view::npos) {
              s->write("bye");
              s->close();
            } else {
              s->write("echo:" + std::string(data));
            }
          },
          [&] { ++stream_closed; });
      std::lock_guard lock(mu);
      streams.push_back(std::move(stream));
    });
    if (ok) ++upgrades;
  });
  ClientTls tls(shared_pki().ca.cert_pem);
  auto conn = Conn::open(server->port(), &tls);
  REQUIRE(conn);
  // Bytes sent right behind the request belong to the upgraded stream.
  REQUIRE(conn->send(get_request("/exec", "Connection: Upgrade\r\nUpgrade: x-echo\r\n") + "early"));
  auto head = conn->read_head();
  REQUIRE(head);
  CHECK(head->status == 101);
  CHECK(head->header("Upgrade") == "x-echo");
  CHECK(head->header("Connection") == "Upgrade");
  auto echoed = conn->read_exact(10);
  REQUIRE(echoed);
  CHECK(*echoed == "echo:early");
  CHECK(upgrades == 1);

  std::string big(100000, 'b');
  REQUIRE(conn->send(big));
  std::string got;
  // The server echoes each piece it reads; collect until all 100000 bytes are back.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::size_t payload = 0;
  while (payload < big.size() && std::chrono::steady_clock::now() < deadline) {
    if (conn->buffer().empty() && conn->read_more(1s) != Conn::Read::data) continue;
    got += conn->buffer();
    conn->buffer().clear();
    std::size_t markers = 0;
    for (std::size_t pos = 0; (pos = got.find("echo:", pos)) != std::string::npos; pos += 5) ++markers;
    payload = got.size() - markers * 5;
  }
  CHECK(payload == big.size());

  SECTION("the server closes the stream") {
    REQUIRE(conn->send("quit"));
    auto bye = conn->read_exact(3);
    REQUIRE(bye);
    CHECK(*bye == "bye");
    CHECK(conn->wait_closed());
    conn->close();  // as clients do on seeing the end; the server stops lingering
    REQUIRE(wait_until([&] { return stream_closed == 1; }, 5s));
  }
  SECTION("the client disconnects") {
    conn->close();
    REQUIRE(wait_until([&] { return stream_closed == 1; }, 5s));
    std::lock_guard lock(mu);
    REQUIRE(streams.size() == 1);
    CHECK(streams[0]->closed());
    CHECK_FALSE(streams[0]->write("gone"));
  }
  server->shutdown(2s);
}
