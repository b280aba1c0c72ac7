// API keys and access tokens. A key belongs to one organisation and holds scopes; its secret
// is known only as hex(SHA-256(salt || md5hex(password))) and every comparison is constant
// time. Accepted credentials:
//   Authorization: Basic base64(key:md5hex(password))   (Capillary)
//   Authorization: Bearer <token>   token from POST /v3/oauth/token/generate {key, secret}
//   Altcraft's body `token` field, resolved by its handler through authenticate_token().
// Tokens are random (RAND_bytes), kept only as SHA-256 digests in a striped map with expiry.
// At most tokens_max of them are kept, over all stripes. When a new token finds the store
// full, the issuing key loses its own token closest to expiry if it holds its share
// (tokens_max / keys) or more; otherwise the key holding the most tokens does. Taking the
// server-wide oldest instead let any key, of any organisation, end every other
// organisation's tokens by issuing in a loop (probe 34c).
//
// Thread safety: the key table is immutable once published; reload_keys() publishes a new
// one atomically, waits until every look-up that may still read the old one has ended (each
// reads inside a ReadSection, read_section.h), then frees it: one table at a time, however
// many reloads. The token map is guarded per stripe, so lookups on different
// stripes never wait for each other; everything that adds or removes a token also holds
// tokens_mu_ (always taken before a stripe's mutex), which keeps the index and the stripes in
// step. Every method may be called from any io thread.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <vector>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/http/config.h"
#include "server/http/handler.h"
#include "server/http/read_section.h"
#include "server/http/service_clock.h"

namespace codeledger::server {

using Clock = std::function<ledger::TimeMs()>;
// The system clock as it reads; codeledgerd itself runs on service_clock_ms (service_clock.h).
ledger::TimeMs system_clock_ms();

struct AuthResult {
  std::optional<Caller> caller;  // set on success
  std::string_view error;        // static text for the 401 message otherwise
};

// One connection's last accepted Basic credentials. A keep-alive client sends the same
// Authorization header on every request; with this, base64, the key lookup and the salted
// SHA-256 run once per connection instead of once per request (about 6 % of the io thread
// per request, docs/benchmarks-history.md, session 13). Holds the header as the client sent it, in
// the connection's own memory only (never stored, never shared with another connection); a
// key reload empties every memo at once (generation). Bearer tokens are not remembered: they
// expire.
struct AuthMemo {
  std::string authorization;
  Caller caller;
  std::uint64_t generation = 0;  // Auth's key generation it was filled under; 0: empty
};

struct IssuedToken {
  std::string access_token;
  std::uint32_t expires_in_s = 0;
};

class Auth final : public TokenAuthority {
 public:
  explicit Auth(const Config& config, Clock clock = service_clock_ms);

  // Resolves an Authorization header (Basic or Bearer). Empty header: error "missing".
  // With a memo: answers from it when the header is the one it holds (compared in constant
  // time) and no reload came since; fills it after a Basic header is accepted.
  AuthResult authenticate(std::string_view authorization, AuthMemo* memo = nullptr) const;

  // Key + secret -> a new bearer token. `secret` is the password or its md5hex. `admit`
  // (when given) is asked once the key is known and before anything is issued: false
  // refuses the issue (the key's rate limit; the caller knows why from its own answer).
  std::optional<IssuedToken> generate_token(std::string_view key, std::string_view secret,
                                            const std::function<bool(const Caller&)>& admit = {});

  std::optional<Caller> authenticate_token(std::string_view token) const override;

  // Key + md5hex(password), compared in constant time; unknown keys cost the same.
  std::optional<Caller> check_key(std::string_view key, std::string_view md5hex_password) const;

  // Tokens kept, live or expired but not yet dropped; never more than config.tokens_max.
  std::size_t token_count() const;

  // Replaces the keys (names, secrets, scopes) with config.api_keys. Tokens of keys that are
  // gone stop working and are dropped (they no longer count against tokens_max); tokens of
  // keys that remain answer with the key's new scopes. Returns once the old table is freed:
  // it waits for look-ups already reading it (microseconds), so it must not be called from
  // inside a ReadSection.
  void reload_keys(const Config& config);

 private:
  struct Key {
    Caller caller;
    std::string salt;         // raw bytes
    std::string secret_hex;   // lowercase hex SHA-256
  };
  // expires_ms -> the token's digest, pointing at its stripe map's key (unordered_map keys
  // stay where they are until erased). Equal expiries keep their order of issue.
  using ExpiryIndex = std::multimap<ledger::TimeMs, const std::string*>;
  struct TokenEntry {
    Caller caller;
    // The issuing key's stored hash: a key re-added under the same name with another secret
    // or organisation is another key, and its tokens must not carry over (probe 33).
    std::string key_secret_hex;
    ledger::TimeMs expires_ms = 0;
    ExpiryIndex::iterator in_expiry_order;  // read and written under tokens_mu_ only
    ExpiryIndex::iterator in_key_order;     // in by_key_[caller.key_name], the same
  };
  static constexpr std::size_t kStripes = 16;
  struct Stripe {
    mutable std::mutex mu;
    std::unordered_map<std::string, TokenEntry> tokens;  // guarded by mu; key = raw digest
  };
  // What a lookup found; a stale token (expired, or its key removed) is dropped after it.
  struct TokenLookup {
    std::optional<Caller> caller;
    bool stale = false;
  };
  Stripe& stripe_for(std::string_view digest) const;
  TokenLookup look_up_token(const std::string& digest, ledger::TimeMs now_ms) const;

  AuthResult authenticate_basic(std::string_view encoded) const;  // base64(key:md5hex)

  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using KeyTable = std::unordered_map<std::string, Key, NameHash, std::equal_to<>>;

  // The key that issued `entry` as it stands in `keys`, or nullptr when it was removed or
  // replaced (the name now belongs to a key with another secret or organisation).
  static const Key* issuing_key(const KeyTable& keys, const TokenEntry& entry);
  // check_key's work: the key whose secret was presented, from the current table, or
  // nullptr. The caller holds a ReadSection for as long as it uses the pointer.
  const Key* find_key(std::string_view key, std::string_view md5hex_password) const;

  // These four with tokens_mu_ held. make_room: expired tokens go, and when tokens_max live
  // ones remain, one of `issuer`'s or of the key holding the most (see the top).
  void make_room(ledger::TimeMs now_ms, const std::string& issuer);
  void add_token(const std::string& digest, const Key& key, ledger::TimeMs expires_ms);
  // `digest` may point into the entry that goes: it is not used after.
  void drop_token(const std::string& digest) const;
  void drop_tokens_of_removed_keys(const KeyTable& keys);
  // Takes tokens_mu_: drops a token a lookup found stale, if nothing dropped it meanwhile.
  void forget_token(const std::string& digest) const;

  // The published table, read (seq_cst, read_section.h) inside a ReadSection only.
  std::atomic<const KeyTable*> keys_{nullptr};
  std::atomic<std::uint64_t> generation_{0};  // +1 per reload_keys: AuthMemo validity
  std::mutex reload_mu_;
  std::unique_ptr<KeyTable> key_table_;  // guarded by reload_mu_: owns what keys_ points at

  // Constant after construction.
  Key decoy_;                  // hashed for unknown key names so timing does not reveal them
  Clock clock_;
  std::uint32_t token_ttl_s_;
  std::size_t tokens_max_;

  // Issuing, dropping and counting tokens; lookups that find a live token never take it.
  mutable std::mutex tokens_mu_;
  mutable ExpiryIndex expiry_order_;  // guarded by tokens_mu_; one entry per token kept
  // The same tokens by issuing key's name, each in expiry order (guarded by tokens_mu_).
  mutable std::unordered_map<std::string, ExpiryIndex> by_key_;
  mutable std::array<Stripe, kStripes> stripes_;
};

}  // namespace codeledger::server
