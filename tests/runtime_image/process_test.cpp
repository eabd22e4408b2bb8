// Image config + container fields -> argv, env, cwd and user, as Kubernetes decides them.
#include <catch2/catch.hpp>

#include "runtime/image/process_from_config.h"

using namespace mk::runtime::image;
using V = std::vector<std::string>;

namespace {
const char* const kConfig = R"({"architecture":"amd64","os":"linux","config":{
  "Entrypoint":["/entry"],"Cmd":["default","arg"],"Env":["PATH=/image/bin","A=image"],
  "WorkingDir":"/srv","User":"daemon:daemon"},"rootfs":{"type":"layers","diff_ids":[]}})";
}

TEST_CASE("command and args replace Entrypoint and Cmd as Kubernetes does", "[process]") {
  ContainerFields c;
  CHECK(process_from_config(kConfig, c)->argv == V{"/entry", "default", "arg"});
  c.args = {"x"};
  CHECK(process_from_config(kConfig, c)->argv == V{"/entry", "x"});
  c.command = {"/bin/sh", "-c"};
  CHECK(process_from_config(kConfig, c)->argv == V{"/bin/sh", "-c", "x"});
  c.args.clear();
  CHECK(process_from_config(kConfig, c)->argv == V{"/bin/sh", "-c"});
}

TEST_CASE("an empty Entrypoint and no command is an error", "[process]") {
  auto p = process_from_config(R"({"config":{"Entrypoint":[""]}})", {});
  REQUIRE_FALSE(p);
  CHECK(p.error().message == "no command specified");
  ContainerFields c;
  c.args = {"/bin/true"};
  CHECK(process_from_config(R"({"config":{"Entrypoint":[""],"Cmd":["ignored"]}})", c)->argv == V{"/bin/true"});
}

TEST_CASE("env, working dir and user", "[process]") {
  ContainerFields c;
  auto p = process_from_config(kConfig, c);
  REQUIRE(p);
  CHECK(p->env == V{"PATH=/image/bin", "A=image"});
  CHECK(p->cwd == "/srv");
  CHECK(p->user == "daemon:daemon");
  c.env = {{"A", "pod"}, {"B", "new"}};
  c.working_dir = "/work";
  c.run_as_user = 1000;
  p = process_from_config(kConfig, c);
  CHECK(p->env == V{"PATH=/image/bin", "A=pod", "B=new"});
  CHECK(p->cwd == "/work");
  CHECK(p->user == "1000");
  c.run_as_user.reset();
  c.run_as_group = 5;
  CHECK(process_from_config(kConfig, c)->user == "daemon:5");
  // Nothing set anywhere: PATH default, "/" and root.
  p = process_from_config(R"({"config":{"Cmd":["sh"]}})", {});
  CHECK(p->env == V{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"});
  CHECK(p->cwd == "/");
  CHECK(p->user == "0");
}
