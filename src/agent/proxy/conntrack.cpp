#include "agent/proxy/conntrack.h"

#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>

#include <cerrno>
#include <memory>

namespace mk::agent::proxy {
namespace {

struct Filter {
  uint32_t dst_ip = 0;  // network order; 0: any
  uint16_t dst_port = 0;  // network order
  uint32_t endpoint_ip = 0;
};

struct HandleClose {
  void operator()(nfct_handle* h) const { nfct_close(h); }
};
struct CtFree {
  void operator()(nf_conntrack* ct) const { nfct_destroy(ct); }
};

struct DumpState {
  const std::vector<Filter>* filters;
  std::vector<std::unique_ptr<nf_conntrack, CtFree>> doomed;
};

int on_entry(enum nf_conntrack_msg_type, struct nf_conntrack* ct, void* data) {
  auto* state = static_cast<DumpState*>(data);
  if (nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO) != IPPROTO_UDP) return NFCT_CB_CONTINUE;
  uint32_t dst = nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_DST);
  uint16_t port = nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST);
  uint32_t answered_by = nfct_get_attr_u32(ct, ATTR_REPL_IPV4_SRC);
  for (const auto& f : *state->filters) {
    if (f.dst_port != port) continue;
    if (f.dst_ip != 0 && f.dst_ip != dst) continue;
    if (f.endpoint_ip != 0 && f.endpoint_ip != answered_by) continue;
    state->doomed.emplace_back(nfct_clone(ct));
    break;
  }
  return NFCT_CB_CONTINUE;
}

Result<uint32_t> parse_ip(const std::string& text) {
  if (text.empty()) return uint32_t{0};
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return make_error(Errc::invalid_argument, "not an IPv4 address: " + text);
  return static_cast<uint32_t>(a.s_addr);
}

}  // namespace

Result<int> delete_udp_flows(const std::vector<UdpFlowFilter>& filters) {
  if (filters.empty()) return 0;
  std::vector<Filter> parsed;
  for (const auto& f : filters) {
    auto dst = parse_ip(f.dst_ip);
    auto ep = parse_ip(f.endpoint_ip);
    if (!dst) return dst.error();
    if (!ep) return ep.error();
    parsed.push_back({*dst, htons(f.dst_port), *ep});
  }
  std::unique_ptr<nfct_handle, HandleClose> h(nfct_open(CONNTRACK, 0));
  if (!h) return errno_error("conntrack: open netlink socket", errno);
  DumpState state{&parsed, {}};
  nfct_callback_register(h.get(), NFCT_T_ALL, on_entry, &state);
  uint32_t family = AF_INET;
  if (nfct_query(h.get(), NFCT_Q_DUMP, &family) < 0) return errno_error("conntrack: dump", errno);
  nfct_callback_unregister(h.get());
  int deleted = 0;
  for (auto& ct : state.doomed) {
    // ENOENT: the entry expired meanwhile, which is what we wanted.
    if (nfct_query(h.get(), NFCT_Q_DESTROY, ct.get()) == 0) {
      ++deleted;
    } else if (errno != ENOENT) {
      return errno_error("conntrack: delete entry", errno);
    }
  }
  return deleted;
}

}  // namespace mk::agent::proxy
