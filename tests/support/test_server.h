// A real codeledger HTTP server on 127.0.0.1 with an ephemeral port, for tests: two
// organisations, keys with different scopes, an in-memory ledger, immediate durability.
// Started in the constructor, stopped in the destructor.
//
//   codeledger::testing::TestServer srv(capillary::capillary_routes());
//   HttpClient c = srv.client();
//   c.set_default_headers({{"Authorization", srv.basic(kAliceRw)}});
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "server/http/crypto.h"
#include "server/http/server.h"
#include "tests/support/http_client.h"

namespace codeledger::testing {

inline constexpr ledger::OrgId kOrgA = 7001;
inline constexpr ledger::OrgId kOrgB = 7002;

struct TestKey {
  std::string_view name;
  std::string_view password;
  ledger::OrgId org;
  std::uint8_t scopes;
};

inline constexpr std::uint8_t kAllScopes = 7;  // read | write | admin
inline constexpr TestKey kAliceRw{"alice-rw", "alice-secret", kOrgA, kAllScopes};
inline constexpr TestKey kAliceRo{"alice-ro", "alice-ro-secret", kOrgA, 1};  // read only
inline constexpr TestKey kBobRw{"bob-rw", "bob-secret", kOrgB, kAllScopes};

inline server::ApiKeyConfig make_key_config(const TestKey& k) {
  server::ApiKeyConfig c;
  c.name = std::string(k.name);
  c.org = k.org;
  c.scopes = k.scopes;
  c.salt_hex = "00112233445566778899aabbccddeeff";
  std::string salt;
  server::from_hex(c.salt_hex, salt);
  c.secret_sha256_hex = server::salted_secret_hash(salt, server::md5_hex(k.password));
  return c;
}

// 127.0.0.1:0, two threads, orgs A (UTC) and B (Asia/Kolkata), the three test keys.
inline server::Config test_config() {
  server::Config c;
  c.listen_host = "127.0.0.1";
  c.listen_port = 0;
  c.threads = 2;
  c.data_dir = "";
  c.durability = wal::Durability::kNone;
  server::OrgConfig a;
  a.org = kOrgA;
  server::OrgConfig b;
  b.org = kOrgB;
  b.settings.time_zone = "Asia/Kolkata";
  c.organisations = {a, b};
  c.api_keys = {make_key_config(kAliceRw), make_key_config(kAliceRo), make_key_config(kBobRw)};
  return c;
}

class TestServer {
 public:
  struct Options {
    std::function<void(server::Config&)> tweak;  // adjust limits, orgs, keys
    server::ServerHooks hooks;                   // clock, extra endpoints, health
    server::DurabilityGate* gate = nullptr;      // default: immediate
  };

  explicit TestServer(const std::vector<server::Route>& routes = {}) : TestServer(routes, Options{}) {}
  TestServer(const std::vector<server::Route>& routes, Options options)
      : config_(test_config()), ledger_(std::make_unique<ledger::Ledger>()) {
    if (options.tweak) options.tweak(config_);
    for (const auto& org : config_.organisations) {
      const Status st = ledger_->configure_org(org.org, org.settings);
      CL_CHECK(st.ok());
    }
    server::DurabilityGate& gate = options.gate ? *options.gate : immediate_;
    server_ = std::make_unique<server::Server>(config_, *ledger_, routes, gate,
                                               std::move(options.hooks));
    port_ = server_->start();
  }
  ~TestServer() { server_->stop(); }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return port_; }
  ledger::Ledger& ledger() { return *ledger_; }
  server::Server& server() { return *server_; }
  const server::Config& config() const { return config_; }

  HttpClient client(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    return HttpClient(port_, timeout);
  }
  static std::string basic(const TestKey& key) { return basic_auth(key.name, key.password); }
  static Headers auth_headers(const TestKey& key) { return {{"Authorization", basic(key)}}; }
  // Options whose config gives alice-rw (kAliceRw) these rate limits.
  static Options alice_limited(std::uint32_t per_minute, std::uint32_t burst) {
    Options o;
    o.tweak = [=](server::Config& c) {
      for (auto& k : c.api_keys) {
        if (k.name == kAliceRw.name) {
          k.rate_limit_per_minute = per_minute;
          k.rate_limit_burst = burst;
        }
      }
    };
    return o;
  }

 private:
  server::Config config_;
  server::ImmediateDurability immediate_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<server::Server> server_;
  std::uint16_t port_ = 0;
};

}  // namespace codeledger::testing
