#include "agent/nftables/nft.h"

#include <nftables/libnftables.h>

namespace mk::agent::nftables {
namespace {

std::string trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

void Nft::Free::operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }

Nft::~Nft() = default;

Result<Nft> Nft::open() {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == nullptr) return make_error(Errc::io, "nftables: cannot create a context");
  Nft nft(ctx);
  if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
    return make_error(Errc::io, "nftables: cannot buffer output");
  }
  return nft;
}

Status Nft::run(const std::string& script) {
  if (nft_run_cmd_from_buffer(ctx_.get(), script.c_str()) != 0) {
    std::string why = trimmed(nft_ctx_get_error_buffer(ctx_.get()));
    return make_error(Errc::io, "nftables: " + (why.empty() ? std::string("transaction refused") : why));
  }
  // Reading the buffers resets them for the next command.
  nft_ctx_get_output_buffer(ctx_.get());
  nft_ctx_get_error_buffer(ctx_.get());
  return Status::ok();
}

Result<std::string> Nft::query(const std::string& command) {
  if (nft_run_cmd_from_buffer(ctx_.get(), command.c_str()) != 0) {
    return make_error(Errc::io, "nftables: " + trimmed(nft_ctx_get_error_buffer(ctx_.get())));
  }
  nft_ctx_get_error_buffer(ctx_.get());
  return std::string(nft_ctx_get_output_buffer(ctx_.get()));
}

}  // namespace mk::agent::nftables
