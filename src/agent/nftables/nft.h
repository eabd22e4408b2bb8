#pragma once
// A libnftables context: runs nft-syntax scripts as one atomic transaction each, in the network
// namespace of the thread that opened it. Never spawns `nft`.

#include <memory>
#include <string>

#include "common/error.h"

struct nft_ctx;

namespace mk::agent::nftables {

class Nft {
 public:
  // Opens a context with its output and errors captured in buffers.
  static Result<Nft> open();
  Nft(Nft&&) noexcept = default;
  Nft& operator=(Nft&&) noexcept = default;
  ~Nft();

  // Runs every command of `script` in one transaction: all of it applies or none does. The
  // error carries nft's own message (with the failing line).
  Status run(const std::string& script);
  // Runs a listing command and returns what nft printed.
  Result<std::string> query(const std::string& command);

 private:
  struct Free {
    void operator()(nft_ctx* ctx) const;
  };
  explicit Nft(nft_ctx* ctx) : ctx_(ctx) {}
  std::unique_ptr<nft_ctx, Free> ctx_;
};

}  // namespace mk::agent::nftables
