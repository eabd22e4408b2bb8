#include "server/pki/token.h"

#include <algorithm>
#include <optional>

#include "common/log.h"
#include "server/pki/digest.h"
#include "server/pki/file_util.h"
#include "server/pki/random.h"

namespace mk::pki {

namespace {

constexpr std::string_view kPrefix = "K10";
constexpr std::string_view kServerUser = "server";
constexpr size_t kHashLength = 64;
constexpr size_t kPasswordBytes = 16;

Error malformed(std::string_view why) { return make_error(Errc::invalid_argument, "parse join token: " + std::string(why)); }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

// "user:password" or "password"; the password may itself contain ':'.
Result<JoinToken> parse_credentials(std::string_view creds) {
  if (creds.empty()) return malformed("credentials are missing");
  if (!printable(creds)) return malformed("credentials contain spaces or control characters");
  JoinToken t;
  auto colon = creds.find(':');
  if (colon == std::string_view::npos) {
    t.password = creds;
    return t;
  }
  t.username = creds.substr(0, colon);
  t.password = creds.substr(colon + 1);
  if (t.username.empty() || t.password.empty()) return malformed("username or password is empty");
  return t;
}

}  // namespace

std::string JoinToken::to_string() const {
  if (ca_hash.empty()) return username.empty() ? password : username + ":" + password;
  std::string out(kPrefix);
  out += ca_hash;
  out += "::";
  if (!username.empty()) out += username + ":";
  out += password;
  return out;
}

Result<JoinToken> parse_join_token(std::string_view text) {
  text = trim(text);
  if (text.empty()) return malformed("token is empty");
  if (!text.starts_with(kPrefix)) {
    if (text.find("::") != std::string_view::npos) return malformed("full token does not start with K10");
    return parse_credentials(text);
  }
  auto rest = text.substr(kPrefix.size());
  auto sep = rest.find("::");
  if (sep == std::string_view::npos) return malformed("\"::\" after the CA hash is missing");
  auto hash = rest.substr(0, sep);
  if (hash.size() != kHashLength) return malformed("CA hash is not 64 hex characters");
  std::string lower;
  for (char c : hash) {
    char l = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    if (!((l >= '0' && l <= '9') || (l >= 'a' && l <= 'f'))) return malformed("CA hash is not 64 hex characters");
    lower += l;
  }
  auto token = parse_credentials(rest.substr(sep + 2));
  if (!token) return token.error();
  token->ca_hash = std::move(lower);
  return token;
}

Result<JoinToken> ensure_join_token(const std::filesystem::path& token_file,
                                    const std::filesystem::path& node_token_file, std::string_view server_ca_pem,
                                    std::string_view requested) {
  const std::string ca_hash = sha256_hex(server_ca_pem);

  std::optional<JoinToken> stored;
  std::string stored_text;
  if (auto data = read_file(token_file); data) {
    auto parsed = parse_join_token(*data);
    if (!parsed) return parsed.error().wrap("load " + token_file.string());
    stored = std::move(*parsed);
    stored_text = std::move(*data);
  } else if (data.error().code != Errc::not_found) {
    return data.error();
  }

  JoinToken token;
  if (!requested.empty()) {
    auto parsed = parse_join_token(requested);
    if (!parsed) return parsed.error().wrap("--token");
    if (!parsed->ca_hash.empty() && parsed->ca_hash != ca_hash) {
      return make_error(Errc::invalid_argument, "--token: its CA hash does not match the server CA " + ca_hash);
    }
    token = std::move(*parsed);
    if (stored && stored->password != token.password) {
      MK_LOG(warn) << "pki: the given token replaces the one in " << token_file.string()
                   << "; nodes joined with the old token must be given the new one";
    }
  } else if (stored) {
    token = *stored;
    if (!token.ca_hash.empty() && token.ca_hash != ca_hash) {
      MK_LOG(warn) << "pki: " << token_file.string() << " names another server CA; updating its CA hash";
    }
  } else {
    auto password = random_hex(kPasswordBytes);
    if (!password) return password.error().wrap("create join token");
    token.password = std::move(*password);
  }
  token.ca_hash = ca_hash;
  if (token.username.empty()) token.username = kServerUser;

  const std::string text = token.to_string() + "\n";
  if (text != stored_text) {
    if (auto st = write_file_atomic(token_file, text, 0600); !st) return st.error().wrap("store join token");
    if (!stored) MK_LOG(info) << "pki: created join token " << token_file.string();
  }
  auto copy = read_file(node_token_file);
  if (!copy || *copy != text) {
    if (auto st = write_file_atomic(node_token_file, text, 0600); !st) return st.error().wrap("store join token");
  }
  return token;
}

}  // namespace mk::pki
