// The kubelet server's pure parts: CRI log lines and what `kubectl logs` options make of them,
// the exec/attach options and exit Status, and the WebSocket codec they travel in.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "agent/kubelet_server/container_logs.h"
#include "agent/kubelet_server/remote_command.h"
#include "http/websocket.h"

using namespace mk::agent::kubelet;
namespace ws = mk::http::websocket;

namespace {

const std::vector<std::string> kLog = {
    "2024-05-01T10:00:00.000000001Z stdout F one",
    "2024-05-01T10:00:01.000000000Z stderr F two",
    "2024-05-01T10:00:02.500000000Z stdout P thr",
    "2024-05-01T10:00:02.600000000Z stdout F ee",
    "2024-05-01T10:00:03.000000000Z stdout F four",
};

LogOptions options(std::vector<std::pair<std::string, std::string>> q) {
  auto o = parse_log_options(q, 1714557605LL * 1'000'000'000);  // 2024-05-01T10:00:05Z
  REQUIRE(o);
  return *o;
}

}  // namespace

TEST_CASE("RFC 3339 times and CRI log lines parse") {
  CHECK(parse_rfc3339("2024-05-01T10:00:00Z") == 1714557600LL * 1'000'000'000);
  CHECK(parse_rfc3339("2024-05-01T10:00:00.5Z") == 1714557600LL * 1'000'000'000 + 500'000'000);
  CHECK(parse_rfc3339("2024-05-01T12:00:00+02:00") == 1714557600LL * 1'000'000'000);
  CHECK_FALSE(parse_rfc3339("2024-05-01 10:00:00"));
  CHECK_FALSE(parse_rfc3339("yesterday"));
  auto line = parse_cri_line("2024-05-01T10:00:00.000000001Z stdout P a b ");
  REQUIRE(line);
  CHECK(line->partial);
  CHECK(line->content == "a b ");
  CHECK(line->timestamp == "2024-05-01T10:00:00.000000001Z");
  CHECK(parse_cri_line("2024-05-01T10:00:00Z stdout F")->content.empty());
  CHECK_FALSE(parse_cri_line("garbage"));
  CHECK_FALSE(parse_cri_line("2024-05-01T10:00:00Z stdout X text"));
}

TEST_CASE("log options shape the output as kubectl logs expects") {
  CHECK(render_logs(kLog, options({})) == "one\ntwo\nthree\nfour\n");
  CHECK(render_logs(kLog, options({{"tailLines", "2"}})) == "three\nfour\n");
  CHECK(render_logs(kLog, options({{"tailLines", "0"}})).empty());
  CHECK(render_logs(kLog, options({{"tailLines", "10"}})) == "one\ntwo\nthree\nfour\n");
  CHECK(render_logs(kLog, options({{"timestamps", "true"}, {"tailLines", "1"}})) ==
        "2024-05-01T10:00:03.000000000Z four\n");
  // A joined line carries the time of its first part.
  CHECK(render_logs(kLog, options({{"timestamps", "true"}, {"tailLines", "2"}})) ==
        "2024-05-01T10:00:02.500000000Z three\n2024-05-01T10:00:03.000000000Z four\n");
  CHECK(render_logs(kLog, options({{"limitBytes", "6"}})) == "one\ntw");
  CHECK(render_logs(kLog, options({{"sinceTime", "2024-05-01T10:00:01Z"}})) == "two\nthree\nfour\n");
  CHECK(render_logs(kLog, options({{"sinceSeconds", "3"}})) == "three\nfour\n");

  CHECK_FALSE(parse_log_options({{"tailLines", "x"}}));
  CHECK_FALSE(parse_log_options({{"tailLines", "-1"}}));
  CHECK_FALSE(parse_log_options({{"limitBytes", "0"}}));
  CHECK_FALSE(parse_log_options({{"sinceTime", "noon"}}));
  auto follow = parse_log_options({{"follow", "true"}, {"previous", "1"}});
  REQUIRE(follow);
  CHECK(follow->follow);
  CHECK(follow->previous);
}

TEST_CASE("exec and attach options, and the exit Status on channel 3") {
  auto exec = parse_remote_command_options(
      {{"command", "sh"}, {"command", "-c"}, {"command", "exit 3"}, {"stdout", "true"}, {"stderr", "True"}}, true);
  REQUIRE(exec);
  CHECK(exec->command == std::vector<std::string>{"sh", "-c", "exit 3"});
  CHECK(exec->stdout_);
  CHECK(exec->stderr_);
  CHECK_FALSE(exec->stdin_);
  CHECK_FALSE(parse_remote_command_options({{"stdout", "true"}}, true));  // no command
  CHECK(parse_remote_command_options({{"stdout", "true"}}, false));      // attach needs none
  CHECK_FALSE(parse_remote_command_options({{"command", "ls"}}, true));  // no stream at all
  auto tty = parse_remote_command_options({{"command", "sh"}, {"stdin", "true"}, {"stderr", "true"}, {"tty", "true"}}, true);
  REQUIRE(tty);
  CHECK_FALSE(tty->stderr_);

  CHECK(nlohmann::json::parse(exit_status_json(0)) == nlohmann::json::parse(R"({"metadata":{},"status":"Success"})"));
  CHECK(nlohmann::json::parse(exit_status_json(3)) ==
        nlohmann::json::parse(R"({"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit status 3",
          "reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}})"));
}

TEST_CASE("WebSocket frames round-trip, masked or not, in any pieces") {
  CHECK(ws::accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455 1.3

  std::string big(70000, 'x');
  std::string stream = ws::encode_frame(ws::Opcode::binary, std::string("\x01hello", 6), true) +
                       ws::encode_frame(ws::Opcode::ping, "p", true) +
                       ws::encode_frame(ws::Opcode::binary, big, false) + ws::close_frame(1000, "", true);
  ws::Decoder decoder;
  std::vector<ws::Message> got;
  for (size_t i = 0; i < stream.size(); i += 7) REQUIRE(decoder.feed(stream.substr(i, 7), got));
  REQUIRE(got.size() == 4);
  CHECK(got[0].opcode == ws::Opcode::binary);
  CHECK(got[0].payload == std::string("\x01hello", 6));
  CHECK(got[1].opcode == ws::Opcode::ping);
  CHECK(got[2].payload == big);
  CHECK(got[3].opcode == ws::Opcode::close);
  CHECK(got[3].payload == std::string("\x03\xe8", 2));

  // A fragmented message is joined; a control frame may come between its fragments.
  std::string first = ws::encode_frame(ws::Opcode::text, "ab");
  first[0] = static_cast<char>(first[0] & 0x7F);  // FIN off
  std::string cont = ws::encode_frame(ws::Opcode::continuation, "cd");
  got.clear();
  REQUIRE(decoder.feed(first + ws::encode_frame(ws::Opcode::pong, "") + cont, got));
  REQUIRE(got.size() == 2);
  CHECK(got[0].opcode == ws::Opcode::pong);
  CHECK(got[1].opcode == ws::Opcode::text);
  CHECK(got[1].payload == "abcd");

  ws::Decoder strict;
  got.clear();
  CHECK_FALSE(strict.feed(ws::encode_frame(ws::Opcode::continuation, "x"), got));
  CHECK_FALSE(strict.error().empty());
}
