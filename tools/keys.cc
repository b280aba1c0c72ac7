// `keys add | list | revoke`: API keys in codeledgerd's config file. A new secret is printed
// once and only its salted hash is stored (scheme in server/crypto/secrets.h).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>

#include <simdjson.h>

#include "server/crypto/api_key_name.h"
#include "server/crypto/secrets.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/event_text.h"
#include "tools/keys_config.h"
#include "tools/text_width.h"

namespace codeledger::tools {
namespace {

using crypto::md5_hex;
using crypto::random_bytes;
using crypto::salted_secret_hash;
using crypto::to_hex;

constexpr std::size_t kSaltBytes = 16;
constexpr std::uint64_t kRateLimitMax = UINT32_MAX;  // server/http/config.h: std::uint32_t
// server/http/config.h's kApiKeyNameBytesMax: codeledgerd refuses a longer name (it goes
// into every log record), so a key added here must not have one.
constexpr std::size_t kApiKeyNameBytesMax = 128;
// 24 bytes print as 48 hex characters: never mistaken for a 32-character md5hex, which the
// token endpoint would otherwise try to use as a digest first.
constexpr std::size_t kSecretBytes = 24;

std::vector<std::string> parse_scopes(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string s = text.substr(start, comma - start);
    if (s != "read" && s != "write" && s != "admin") {
      throw CliError("--scopes: unknown scope '" + s + "' (read, write, admin)");
    }
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    start = comma + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::string config_path(const Args& args) {
  auto p = args.get("config");
  if (!p) throw CliError("keys: --config FILE is required");
  return *p;
}

// Text a flag writes into the config must be UTF-8: codeledgerd reads the file with
// simdjson, which refuses the whole document for one bad byte, and so does every later
// `keys` command, which then cannot undo the change (probe 39: --name $'x\xff').
void require_utf8(std::string_view flag, const std::string& text) {
  if (!simdjson::validate_utf8(text.data(), text.size())) {
    throw CliError("--" + std::string(flag) +
                   ": not valid UTF-8 (codeledgerd would refuse the whole config file)");
  }
}

// The server's own rules (server/crypto/api_key_name.h, UTF-8 JSON and the length bound), so
// a key ledgerctl adds always loads. --name is the only free text keys add writes: the
// other flags are numbers and scopes from a fixed list.
std::string required_name(const Args& args) {
  auto name = args.get("name");
  if (!name || !crypto::valid_api_key_name(*name)) {
    throw CliError("--name: required, " + std::string(crypto::kApiKeyNameRule));
  }
  require_utf8("name", *name);
  if (name->size() > kApiKeyNameBytesMax) {
    throw CliError("--name: at most " + std::to_string(kApiKeyNameBytesMax) + " bytes, got " +
                   std::to_string(name->size()) + " (the name is written into every log record)");
  }
  return *name;
}

int keys_add(const Args& args) {
  KeysConfig config = KeysConfig::load(config_path(args));
  KeyEntry key;
  key.name = required_name(args);
  for (const auto& k : config.keys()) {
    if (k.name == key.name) throw CliError("a key named '" + key.name + "' already exists");
  }
  key.org = args.get_u64("org").value_or(0);
  if (key.org == 0) throw CliError("--org: a positive organisation id is required");
  key.scopes = parse_scopes(args.get_or("scopes", "read,write"));
  key.rate_limit_per_minute = args.get_u64("rate-per-minute").value_or(1000);
  key.rate_limit_burst = args.get_u64("burst").value_or(100);
  // codeledgerd holds both as uint32 and refuses to start on a config with larger values.
  for (auto v : {*key.rate_limit_per_minute, *key.rate_limit_burst}) {
    if (v == 0 || v > kRateLimitMax) {
      throw CliError("--rate-per-minute and --burst must be between 1 and " +
                     std::to_string(kRateLimitMax));
    }
  }
  const std::string salt = random_bytes(kSaltBytes);
  const std::string secret = to_hex(random_bytes(kSecretBytes));
  key.salt_hex = to_hex(salt);
  key.secret_sha256_hex = salted_secret_hash(salt, md5_hex(secret));
  const bool org_added = !config.has_org(key.org);
  if (org_added) config.add_org(key.org);
  config.keys().push_back(key);
  config.save();
  // Said only once the file holds it: a failed save added nothing (probe 39).
  if (org_added) {
    std::fprintf(stderr, "ledgerctl: organisation %llu added to 'organisations' with defaults\n",
                 static_cast<unsigned long long>(key.org));
  }
  std::printf("name    %s\norg     %llu\nscopes  %s\nlimit   %llu/min, burst %llu\nsecret  %s\n",
              key.name.c_str(), static_cast<unsigned long long>(key.org), join(*key.scopes).c_str(),
              static_cast<unsigned long long>(*key.rate_limit_per_minute),
              static_cast<unsigned long long>(*key.rate_limit_burst), secret.c_str());
  std::fprintf(stderr,
               "ledgerctl: the secret is shown only now; %s keeps its salted hash. "
               "codeledgerd uses the key after a key reload or a restart.\n",
               config_path(args).c_str());
  return kExitOk;
}

int keys_list(const Args& args) {
  // `keys add` starts a missing file; a listing of one is a typo, not "no keys" (probe 32).
  if (std::error_code ec; !std::filesystem::exists(config_path(args), ec)) {
    throw CliError("config " + config_path(args) + ": no such file");
  }
  const KeysConfig config = KeysConfig::load(config_path(args));
  // Padded by display width, not bytes: "wr ü7" is 6 bytes in 5 columns (probe 34a).
  std::printf("%s %12s  %s %10s %8s\n", pad_right("NAME", 24).c_str(), "ORG",
              pad_right("SCOPES", 16).c_str(), "RATE/MIN", "BURST");
  for (const auto& k : config.keys()) {
    // A hand-edited config may hold any name (codeledgerd refuses it, revoke removes it):
    // printed as dump and history print text, never raw to the terminal.
    std::printf("%s %12llu  %s %10llu %8llu\n", pad_right(human_text(k.name), 24).c_str(),
                static_cast<unsigned long long>(k.org),
                pad_right(k.scopes ? join(*k.scopes) : "read,write", 16).c_str(),
                static_cast<unsigned long long>(k.rate_limit_per_minute.value_or(1000)),
                static_cast<unsigned long long>(k.rate_limit_burst.value_or(100)));
  }
  return kExitOk;
}

int keys_revoke(const Args& args) {
  KeysConfig config = KeysConfig::load(config_path(args));
  // Any existing name can be revoked, even one a hand-edited config gave odd characters.
  const std::string name = args.get_or("name", "");
  if (name.empty()) throw CliError("--name: required");
  auto& keys = config.keys();
  auto it =
      std::find_if(keys.begin(), keys.end(), [&](const KeyEntry& k) { return k.name == name; });
  if (it == keys.end()) throw CliError("no key named '" + name + "' in " + config_path(args));
  keys.erase(it);
  config.save();
  std::printf("revoked %s\n", name.c_str());
  std::fprintf(stderr, "ledgerctl: codeledgerd refuses the key after a key reload or a restart\n");
  return kExitOk;
}

}  // namespace

int run_keys(const Words& words) {
  if (words.empty()) throw CliError::usage("keys: expected 'add', 'list' or 'revoke'");
  // Each subcommand declares only the flags it reads: `keys list --name x` must not list
  // every key as if --name had narrowed the list.
  struct Subcommand {
    std::string_view name;
    std::set<std::string_view> flags;
    int (*run)(const Args&);
  };
  static const Subcommand kSubcommands[] = {
      {"add", {"config", "name", "org", "scopes", "rate-per-minute", "burst"}, keys_add},
      {"list", {"config"}, keys_list},
      {"revoke", {"config", "name"}, keys_revoke},
  };
  const Words rest(words.begin() + 1, words.end());
  for (const Subcommand& sub : kSubcommands) {
    if (words[0] != sub.name) continue;
    Args args("keys " + std::string(sub.name), rest, sub.flags, {});
    if (!args.positional().empty()) throw CliError::usage("keys takes no positional arguments");
    return sub.run(args);
  }
  throw CliError::usage("keys: unknown subcommand '" + std::string(words[0]) + "'");
}

}  // namespace codeledger::tools
