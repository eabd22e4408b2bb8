#pragma once
// The join token, in k3s's format: K10<CA hash>::<username>:<password>, where the CA hash is the
// SHA-256 (hex) of server-ca.crt's bytes as stored. A joining node trusts whatever CA the server
// shows only if its hash matches, so the token authenticates the server as well as the node.
// A "short" token is the password alone; it carries no CA hash.

#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::pki {

struct JoinToken {
  std::string ca_hash;   // 64 lowercase hex characters; empty for a short token
  std::string username;  // "server" for the tokens this server makes; may be empty when parsed
  std::string password;

  bool operator==(const JoinToken&) const = default;

  // "K10<ca_hash>::<username>:<password>", or the password alone when ca_hash is empty.
  std::string to_string() const;
};

// Parses a full or short token (surrounding whitespace ignored). Errc::invalid_argument for a
// malformed one; messages never repeat the token, which is a secret.
Result<JoinToken> parse_join_token(std::string_view text);

// The server's token, kept in token_file and copied to node_token_file (both 0600). Made once
// (username "server", 32 random hex characters of password) and reused; its CA hash always
// describes server_ca_pem, and is rewritten if that CA's bytes changed. A non-empty `requested`
// (--token: a full token for this CA, or a password) sets the credentials, replacing stored ones.
Result<JoinToken> ensure_join_token(const std::filesystem::path& token_file,
                                    const std::filesystem::path& node_token_file, std::string_view server_ca_pem,
                                    std::string_view requested);

}  // namespace mk::pki
