#include "server/http/auth.h"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

#include "server/http/crypto.h"

namespace codeledger::server {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kMd5HexChars = 32;

// ASCII only, inline: std::tolower is a locale-aware libc call per character.
char lower_char(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The credentials after `scheme` and the spaces that follow it in an Authorization value, or
// nullopt when the value is of another scheme. Empty when they are missing: a field value
// loses its trailing spaces, so "Bearer " arrives as "Bearer".
std::optional<std::string_view> credentials_of(std::string_view authorization,
                                               std::string_view scheme) {
  if (authorization.size() < scheme.size() ||
      !boost::beast::iequals(authorization.substr(0, scheme.size()), scheme)) {
    return std::nullopt;
  }
  std::string_view rest = authorization.substr(scheme.size());
  if (!rest.empty() && rest.front() != ' ') return std::nullopt;  // "Bearerish"
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest;
}

bool is_md5_hex(std::string_view s) {
  return s.size() == kMd5HexChars && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower_char);
  return out;
}

std::string token_digest(std::string_view token) {
  const Sha256Digest d = sha256(token);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace

ledger::TimeMs system_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Auth::Auth(const Config& config, Clock clock)
    : clock_(std::move(clock)),
      token_ttl_s_(config.token_ttl_s),
      tokens_max_(std::max<std::size_t>(1, config.tokens_max)) {
  decoy_.salt = random_bytes(16);
  decoy_.secret_hex = std::string(64, '0');
  reload_keys(config);
}

void Auth::reload_keys(const Config& config) {
  auto table = std::make_unique<KeyTable>();
  table->reserve(config.api_keys.size());
  for (const ApiKeyConfig& k : config.api_keys) {
    Key key;
    key.caller = Caller{k.org, k.name, k.scopes};
    CL_CHECK(from_hex(k.salt_hex, key.salt));  // validated by the config parser
    key.secret_hex = lower(k.secret_sha256_hex);
    table->emplace(k.name, std::move(key));
  }
  const KeyTable& published = *table;
  std::lock_guard lock(reload_mu_);
  // seq_cst: ordered before wait_for_readers()'s reads of the readers' slots.
  keys_.store(table.get(), std::memory_order_seq_cst);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  const std::unique_ptr<KeyTable> retired = std::exchange(key_table_, std::move(table));
  {
    // Lookups would refuse these tokens anyway; dropping them now frees their places under
    // tokens_max. (A token issued by a check that began before the store is refused and
    // dropped at its first lookup.)
    std::lock_guard tokens_lock(tokens_mu_);
    drop_tokens_of_removed_keys(published);
  }
  // Not before tokens_mu_ is released: an issue reading the old table may be waiting for it.
  if (retired) wait_for_readers();
}  // `retired` is freed here: no look-up can still hold it

std::optional<Caller> Auth::check_key(std::string_view key,
                                      std::string_view md5hex_password) const {
  const ReadSection section;  // until the caller is copied out of the table
  const Key* k = find_key(key, md5hex_password);
  if (k == nullptr) return std::nullopt;
  return k->caller;
}

const Auth::Key* Auth::find_key(std::string_view key, std::string_view md5hex_password) const {
  const KeyTable& keys = *keys_.load(std::memory_order_seq_cst);  // see read_section.h
  const auto it = keys.find(key);
  const Key& k = it == keys.end() ? decoy_ : it->second;
  // Clients may send the digest in either case; the stored hash is over lowercase hex.
  // Both in fixed buffers: this runs for every Basic request.
  std::array<char, kMd5HexChars> lowered{};
  if (md5hex_password.size() != lowered.size()) return nullptr;
  std::transform(md5hex_password.begin(), md5hex_password.end(), lowered.begin(), lower_char);
  const crypto::Sha256Hex presented =
      crypto::salted_secret_hash_chars(k.salt, std::string_view(lowered.data(), lowered.size()));
  const bool equal =
      constant_time_equal(std::string_view(presented.data(), presented.size()), k.secret_hex);
  if (it == keys.end() || !equal) return nullptr;
  return &k;
}

AuthResult Auth::authenticate_basic(std::string_view encoded) const {
  namespace b64 = boost::beast::detail::base64;
  // "key:md5hex" fits the stack buffer for any sane key name; longer ones go to the heap.
  std::array<char, 256> stack_buffer;
  std::string heap_buffer;
  const std::size_t room = b64::decoded_size(encoded.size());
  char* buffer = stack_buffer.data();
  if (room > stack_buffer.size()) {
    heap_buffer.resize(room);
    buffer = heap_buffer.data();
  }
  const auto [written, read] = b64::decode(buffer, encoded.data(), encoded.size());
  // Beast stops at the '=' padding: everything before it must be base64.
  std::size_t unpadded = encoded.size();
  while (unpadded > 0 && encoded.size() - unpadded < 2 && encoded[unpadded - 1] == '=') --unpadded;
  if (read != unpadded) return {std::nullopt, "malformed Basic credentials"};
  const std::string_view decoded(buffer, written);
  const auto colon = decoded.find(':');
  if (colon == std::string_view::npos) return {std::nullopt, "malformed Basic credentials"};
  const std::string_view password = decoded.substr(colon + 1);
  if (!is_md5_hex(password)) {
    return {std::nullopt, "Basic password must be md5hex(password) (Capillary style)"};
  }
  auto caller = check_key(decoded.substr(0, colon), password);
  if (!caller) return {std::nullopt, "invalid API key or password"};
  return {std::move(caller), {}};
}

AuthResult Auth::authenticate(std::string_view authorization, AuthMemo* memo) const {
  if (authorization.empty()) return {std::nullopt, "missing Authorization header"};
  if (const auto basic = credentials_of(authorization, "basic")) {
    if (basic->empty()) return {std::nullopt, "missing credentials after Basic"};
    // Read before the check: a reload landing in between leaves the memo marked stale.
    const std::uint64_t generation = generation_.load(std::memory_order_acquire);
    const bool remembered = memo && memo->generation == generation &&
                            constant_time_equal(authorization, memo->authorization);
    if (remembered) return {memo->caller, {}};
    AuthResult result = authenticate_basic(*basic);
    if (memo && result.caller) {
      memo->authorization.assign(authorization);
      memo->caller = *result.caller;
      memo->generation = generation;
    }
    return result;
  }
  if (const auto token = credentials_of(authorization, "bearer")) {
    if (token->empty()) return {std::nullopt, "missing access token after Bearer"};
    auto caller = authenticate_token(*token);
    if (!caller) return {std::nullopt, "invalid or expired access token"};
    return {std::move(caller), {}};
  }
  return {std::nullopt, "unsupported Authorization scheme (Basic or Bearer)"};
}

Auth::Stripe& Auth::stripe_for(std::string_view digest) const {
  // The digest is uniformly random already: its first byte spreads tokens over stripes.
  return stripes_[static_cast<unsigned char>(digest[0]) % kStripes];
}

void Auth::make_room(ledger::TimeMs now_ms, const std::string& issuer) {
  // Expired tokens lie at the front of the index; dropping them evicts nobody.
  while (!expiry_order_.empty() && expiry_order_.begin()->first <= now_ms) {
    drop_token(*expiry_order_.begin()->second);
  }
  // Still full of live tokens: one goes, so issuing never fails. The store never holds more
  // than tokens_max, so one is enough.
  if (expiry_order_.size() < tokens_max_) return;
  // Inside generate_token's ReadSection.
  const std::size_t keys = std::max<std::size_t>(1, keys_.load(std::memory_order_seq_cst)->size());
  const std::size_t share = std::max<std::size_t>(1, tokens_max_ / keys);
  auto payer = by_key_.find(issuer);
  if (payer == by_key_.end() || payer->second.size() < share) {
    // The biggest holder; of equal ones, the one holding the oldest token (not whichever
    // the map's order happens to give).
    payer = std::max_element(by_key_.begin(), by_key_.end(), [](const auto& a, const auto& b) {
      if (a.second.size() != b.second.size()) return a.second.size() < b.second.size();
      return a.second.begin()->first > b.second.begin()->first;
    });
  }
  drop_token(*payer->second.begin()->second);
}

void Auth::add_token(const std::string& digest, const Key& key, ledger::TimeMs expires_ms) {
  Stripe& s = stripe_for(digest);
  std::lock_guard lock(s.mu);
  const auto [entry, added] =
      s.tokens.try_emplace(digest, TokenEntry{key.caller, key.secret_hex, expires_ms, {}, {}});
  if (!added) return;  // the same 256 random bits twice: that token is kept already
  entry->second.in_expiry_order = expiry_order_.emplace(expires_ms, &entry->first);
  entry->second.in_key_order = by_key_[key.caller.key_name].emplace(expires_ms, &entry->first);
}

void Auth::drop_token(const std::string& digest) const {
  Stripe& s = stripe_for(digest);
  // Read without the stripe's mutex: stripes change only under tokens_mu_, which we hold.
  const auto it = s.tokens.find(digest);
  const TokenEntry& entry = it->second;
  expiry_order_.erase(entry.in_expiry_order);
  const auto of_key = by_key_.find(entry.caller.key_name);
  of_key->second.erase(entry.in_key_order);
  if (of_key->second.empty()) by_key_.erase(of_key);
  std::lock_guard lock(s.mu);  // a lookup may be reading this stripe
  s.tokens.erase(it);  // `digest` may be this entry's key: the last use
}

void Auth::drop_tokens_of_removed_keys(const KeyTable& keys) {
  for (auto in_order = expiry_order_.begin(); in_order != expiry_order_.end();) {
    const auto next = std::next(in_order);
    // Read without the stripe's mutex: stripes change only under tokens_mu_, which we hold.
    const std::string& digest = *in_order->second;
    const TokenEntry& entry = stripe_for(digest).tokens.find(digest)->second;
    if (issuing_key(keys, entry) == nullptr) drop_token(digest);
    in_order = next;
  }
}

const Auth::Key* Auth::issuing_key(const KeyTable& keys, const TokenEntry& entry) {
  const auto it = keys.find(entry.caller.key_name);
  if (it == keys.end()) return nullptr;
  // Stored hashes on both sides, nothing a client sent: a plain comparison reveals nothing.
  const Key& key = it->second;
  if (key.caller.org != entry.caller.org || key.secret_hex != entry.key_secret_hex) return nullptr;
  return &key;
}

void Auth::forget_token(const std::string& digest) const {
  std::lock_guard lock(tokens_mu_);
  // Read without the stripe's mutex: stripes change only under tokens_mu_, which we hold.
  const Stripe& s = stripe_for(digest);
  const auto it = s.tokens.find(digest);
  if (it != s.tokens.end()) drop_token(it->first);
}

std::optional<IssuedToken> Auth::generate_token(std::string_view key, std::string_view secret,
                                                const std::function<bool(const Caller&)>& admit) {
  const ReadSection section;  // `issuer` points into the table until the token is stored
  const Key* issuer = find_key(key, is_md5_hex(secret) ? std::string(secret) : md5_hex(secret));
  if (issuer == nullptr && is_md5_hex(secret)) issuer = find_key(key, md5_hex(secret));
  if (issuer == nullptr) return std::nullopt;
  if (admit && !admit(issuer->caller)) return std::nullopt;
  const std::string raw = random_bytes(kTokenBytes);
  IssuedToken issued;
  issued.access_token = to_hex(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
  issued.expires_in_s = token_ttl_s_;
  const std::string digest = token_digest(issued.access_token);
  const ledger::TimeMs now = clock_();
  std::lock_guard lock(tokens_mu_);
  make_room(now, issuer->caller.key_name);
  add_token(digest, *issuer, now + ledger::TimeMs{token_ttl_s_} * 1000);
  return issued;
}

Auth::TokenLookup Auth::look_up_token(const std::string& digest, ledger::TimeMs now_ms) const {
  const ReadSection section;  // the issuing key is read from the table below
  Stripe& s = stripe_for(digest);
  std::lock_guard lock(s.mu);
  const auto it = s.tokens.find(digest);
  if (it == s.tokens.end()) return {};
  if (it->second.expires_ms <= now_ms) return {std::nullopt, true};
  // A reload may have revoked or replaced the key, or changed its scopes, since the token
  // was issued.
  const Key* key = issuing_key(*keys_.load(std::memory_order_seq_cst), it->second);
  if (key == nullptr) return {std::nullopt, true};
  return {key->caller, false};
}

std::optional<Caller> Auth::authenticate_token(std::string_view token) const {
  if (token.size() != kTokenBytes * 2) return std::nullopt;
  // Lookup by digest: the map never holds a usable token, and hashing first makes the
  // lookup time independent of how much of a guessed token is right.
  const std::string digest = token_digest(token);
  TokenLookup found = look_up_token(digest, clock_());
  // Dropped after the stripe's mutex is released: tokens_mu_ is always taken first.
  if (found.stale) forget_token(digest);
  return std::move(found.caller);
}

std::size_t Auth::token_count() const {
  std::lock_guard lock(tokens_mu_);
  return expiry_order_.size();
}

}  // namespace codeledger::server
