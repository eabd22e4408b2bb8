// The cluster DNS address on a dummy link (dns_link.h), made and removed through netlink, and
// the server answering on it at port 53. Runs in a network namespace of its own (one thread
// unshares it), so nothing on the host is touched. Needs root.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <thread>

#include "agent/dns/dns_link.h"
#include "agent/dns/records.h"
#include "agent/dns/resolver.h"
#include "agent/dns/server.h"
#include "common/unique_fd.h"

using namespace mk;
using namespace mk::agent::dns;

namespace {

bool loopback_up() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (!sock || ::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0) return false;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  return ::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) == 0;
}

std::optional<Message> ask(const std::string& address, uint16_t port, const std::string& name) {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return std::nullopt;
  Message q;
  q.header.id = 99;
  q.questions.push_back({name, kA, kClassIN});
  std::string wire = encode(q);
  if (::send(fd.get(), wire.data(), wire.size(), 0) < 0) return std::nullopt;
  pollfd p{fd.get(), POLLIN, 0};
  if (::poll(&p, 1, 3000) != 1) return std::nullopt;
  char buf[1500];
  ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
  if (n <= 0) return std::nullopt;
  auto m = parse(std::string_view(buf, static_cast<size_t>(n)));
  if (!m) return std::nullopt;
  return *m;
}

}  // namespace

TEST_CASE("the cluster DNS address lives on a dummy link the agent makes and removes", "[root]") {
  if (::geteuid() != 0) {
    WARN("skipped: making links needs root (CAP_NET_ADMIN)");
    return;
  }
  // Everything in one thread that has left the host's network namespace; the namespace goes
  // away with the thread and the sockets.
  std::string failure;
  bool answered = false, existed = false, removed = false;
  std::string answer_ip, link_name;
  std::thread inside([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      failure = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      return;
    }
    if (!loopback_up()) {
      failure = "bring lo up";
      return;
    }
    ClusterRecords records{ZoneSettings{}};
    records.set_service({{"metadata", {{"name", "kubernetes"}, {"namespace", "default"}}}, {"spec", {{"clusterIP", "10.43.0.1"}}}});
    Resolver resolver(records);
    Forwarder forwarder({}, std::chrono::milliseconds(100));
    {
      auto link = DnsLink::create("node-a", "/var/lib/test", "10.43.0.10");
      if (!link) {
        failure = link.error().message;
        return;
      }
      link_name = (*link)->name();
      existed = ::if_nametoindex(link_name.c_str()) != 0;
      ServerOptions options;
      options.address = "10.43.0.10";
      options.port = 53;
      auto server = Server::start(options, resolver, forwarder);
      if (!server) {
        failure = server.error().message;
        return;
      }
      auto reply = ask("10.43.0.10", 53, "kubernetes.default.svc.cluster.local");
      if (reply && reply->answers.size() == 1) {
        answered = true;
        answer_ip = address_text(reply->answers[0].address);
      }
    }
    removed = ::if_nametoindex(link_name.c_str()) == 0;
  });
  inside.join();
  INFO(failure);
  REQUIRE(failure.empty());
  CHECK(link_name == dns_link_name("node-a", "/var/lib/test"));
  CHECK(link_name.size() <= 15);
  CHECK(existed);
  CHECK(answered);
  CHECK(answer_ip == "10.43.0.1");
  CHECK(removed);
}
