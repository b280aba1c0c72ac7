// codeledgerd's JSON config file as `ledgerctl keys` edits it: the api_keys array (and the
// organisations a new key needs) are rewritten; every other field is carried over as it
// was parsed (same order and values; layout normalised to two-space indentation). The field
// names and rules are the server's (server/http/config.h); this file does not link it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace codeledger::tools {

struct KeyEntry {
  std::string name;
  std::uint64_t org = 0;
  std::optional<std::vector<std::string>> scopes;  // absent: the server's default (read, write)
  std::string salt_hex;
  std::string secret_sha256_hex;
  std::optional<std::uint64_t> rate_limit_per_minute;  // absent: server default 1000
  std::optional<std::uint64_t> rate_limit_burst;       // absent: server default 100
};

class KeysConfig {
 public:
  // A missing file is an empty config (keys add creates it); bad JSON or a malformed key
  // entry is a CliError naming the file and field.
  static KeysConfig load(const std::string& path);
  KeysConfig(KeysConfig&&) noexcept;
  ~KeysConfig();

  std::vector<KeyEntry>& keys() { return keys_; }
  const std::vector<KeyEntry>& keys() const { return keys_; }
  bool has_org(std::uint64_t org) const;
  void add_org(std::uint64_t org);  // appended to "organisations" with default settings

  std::string render() const;
  // temp file in the same directory, fsync, rename over the file, fsync the directory; a
  // new file is created 0600 (it holds secret hashes), an existing one keeps its mode.
  void save() const;

 private:
  struct Doc;
  explicit KeysConfig(std::string path);
  std::string path_;
  std::unique_ptr<Doc> doc_;  // the parsed original (absent for a new file)
  std::vector<KeyEntry> keys_;
  std::vector<std::uint64_t> orgs_;  // org_ids already configured
  std::vector<std::uint64_t> orgs_added_;
};

}  // namespace codeledger::tools
