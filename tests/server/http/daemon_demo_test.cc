// codeledgerd --demo's start-up banner, from the real binary: its credentials and curl lines
// must work against the server as it runs. With a config that defines its own "demo" key
// the banner printed the embedded password, and every line it printed answered 401 (probe:
// defect 1).
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "server/capillary/demo.h"
#include "server/http/crypto.h"
#include "tests/server/http/daemon_child.h"
#include "tests/support/http_client.h"
#include "tests/support/scratch_dir.h"

namespace codeledger::server {
namespace {

namespace fs = std::filesystem;
using daemon_testing::Child;
using daemon_testing::exited_cleanly;
using daemon_testing::listening_port;

constexpr std::string_view kLookup = "/api_gateway/v1/promotions/code?codes=DQCV73&mode=DISCOUNT";

class DaemonDemo : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(daemon_testing::daemon_binary()))
        << daemon_testing::daemon_binary() << " is not built";
  }

  // codeledgerd --demo with a config whose "demo" key has `password` under `salt`; returns
  // once the banner's last line is out.
  std::unique_ptr<Child> start_with_demo_key(std::string_view salt, std::string_view password) {
    std::string salt_bytes;
    EXPECT_TRUE(from_hex(salt, salt_bytes));
    const std::string config = dir_.file("codeledgerd.json");
    std::ofstream(config) << R"({"listen": "127.0.0.1:0", "data_dir": ")" << dir_.file("data")
                          << R"(", "durability": {"mode": "none"}, "organisations": [{"org_id": )"
                          << capillary::kDemoOrgId << R"(}], "api_keys": [{"name": "demo", "org_id": )"
                          << capillary::kDemoOrgId << R"(, "scopes": ["read", "write", "admin"], "salt": ")"
                          << salt << R"(", "secret_sha256": ")"
                          << salted_secret_hash(salt_bytes, md5_hex(password)) << R"("}]})";
    auto child = std::make_unique<Child>(dir_.path(), std::vector<std::string>{"--config", config, "--demo"});
    EXPECT_TRUE(child->started());
    EXPECT_TRUE(child->wait_for_output("/v3/oauth/token/generate\n")) << child->out() << child->err();
    return child;
  }

  // The status a code look-up answers with the key "demo" and `password`.
  static int lookup_status(std::uint16_t port, std::string_view password) {
    codeledger::testing::HttpClient c(port);
    auto r = c.get(std::string(kLookup),
                   {{"Authorization", codeledger::testing::basic_auth(capillary::kDemoKeyName, password)}});
    return r.result_int();
  }

  codeledger::testing::ScratchDir dir_{"codeledger-demo"};
};

// The config's own "demo" key: the server holds only its salted hash, so the banner says
// the key is the config's own and shows placeholders, never the embedded password (which
// the server refuses).
TEST_F(DaemonDemo, AConfigsOwnDemoKeyIsNamedAndItsPasswordLeftAsAPlaceholder) {
  auto d = start_with_demo_key("00112233445566778899aabbccddeeff", "operators-own-secret");
  const std::string out = d->out();
  const std::uint16_t port = listening_port(out);
  ASSERT_NE(port, 0) << out;
  EXPECT_EQ(lookup_status(port, capillary::kDemoPassword), 401);  // what the banner printed
  EXPECT_EQ(lookup_status(port, "operators-own-secret"), 200);
  EXPECT_EQ(out.find(capillary::kDemoPassword), std::string::npos) << out;
  EXPECT_EQ(out.find(md5_hex(capillary::kDemoPassword)), std::string::npos) << out;
  EXPECT_NE(out.find("the config's own"), std::string::npos) << out;
  EXPECT_NE(out.find("curl -s -u 'demo:<md5hex(password)>'"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("secret": "<password>")"), std::string::npos) << out;
  d->signal(SIGTERM);
  EXPECT_TRUE(exited_cleanly(d->wait_exit())) << d->err();
}

// A "demo" key of the config's own that holds the embedded password (under another salt)
// takes the embedded credentials: the banner prints them, and they work.
TEST_F(DaemonDemo, AConfigsDemoKeyWithTheEmbeddedPasswordGetsTheFullBanner) {
  auto d = start_with_demo_key("ffeeddccbbaa99887766554433221100", capillary::kDemoPassword);
  const std::string out = d->out();
  const std::uint16_t port = listening_port(out);
  ASSERT_NE(port, 0) << out;
  EXPECT_EQ(lookup_status(port, capillary::kDemoPassword), 200);
  EXPECT_NE(out.find("password: " + std::string(capillary::kDemoPassword)), std::string::npos) << out;
  EXPECT_NE(out.find("curl -s -u 'demo:" + md5_hex(capillary::kDemoPassword) + "'"), std::string::npos) << out;
  EXPECT_EQ(out.find("<password>"), std::string::npos) << out;
  d->signal(SIGTERM);
  EXPECT_TRUE(exited_cleanly(d->wait_exit())) << d->err();
}

}  // namespace
}  // namespace codeledger::server
