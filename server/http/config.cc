#include "server/http/config.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <thread>
#include <unordered_set>

#include "ledger/ledger.h"
#include "server/capillary/demo.h"
#include "server/crypto/api_key_name.h"
#include "server/http/crypto.h"
#include "server/http/handler.h"
#include "server/http/json_fault.h"
#include "server/wire/iso_time.h"
#include "server/wire/json_reader.h"

namespace codeledger::server {
namespace {

namespace dom = simdjson::dom;

// Retention bounds: ten years, and a pebibyte (beyond any disk, short of overflow in ms).
constexpr std::uint64_t kRetentionAgeSMax = 10ull * 366 * 86'400;
constexpr std::uint64_t kRetentionBytesMax = 1ull << 50;

// Validation context: every error names the source and the dotted field path.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  Status fail(std::string_view field, std::string_view what) const {
    std::string msg = "config ";
    msg += source_;
    msg += ": field '";
    msg += field;
    msg += "': ";
    msg += what;
    return {ErrorCode::kInvalidRequest, std::move(msg)};
  }

  // Every object is read through here first, so a duplicate is refused before any of its
  // values is used (simdjson's lookup would take the first and never see the second).
  Status check_keys(dom::object obj, std::string_view path,
                    std::initializer_list<std::string_view> allowed) const {
    if (const auto twin = wire::duplicate_key(obj)) {
      return fail(join(path, *twin), "given more than once in the same object");
    }
    for (auto field : obj) {
      bool known = false;
      for (auto a : allowed) known = known || field.key == a;
      if (!known) return fail(join(path, field.key), "unknown field");
    }
    return {};
  }

  template <class T>
  Status get_uint(dom::object obj, std::string_view path, std::string_view key, T& out,
                  std::uint64_t min = 0, std::uint64_t max = std::numeric_limits<T>::max()) const {
    dom::element e;
    if (obj[key].get(e) != simdjson::SUCCESS) return {};
    const std::string range = "must be an integer between " + std::to_string(min) + " and " +
                              std::to_string(max);
    if (!e.is_number()) return fail(join(path, key), range + ", got " + std::string(wire::json_type_name(e)));
    std::uint64_t v = 0;
    // A negative, fractional or huge (1e30) number: the range says what would do.
    if (e.get_uint64().get(v) != simdjson::SUCCESS || v < min || v > max) {
      return fail(join(path, key), range);
    }
    out = static_cast<T>(v);
    return {};
  }

  Status get_string(dom::object obj, std::string_view path, std::string_view key,
                    std::string& out, bool required = false) const {
    dom::element e;
    if (obj[key].get(e) != simdjson::SUCCESS) {
      return required ? fail(join(path, key), "required") : Status{};
    }
    std::string_view v;
    if (e.get_string().get(v) != simdjson::SUCCESS) return fail(join(path, key), "expected a string");
    out.assign(v);
    return {};
  }

  static std::string join(std::string_view path, std::string_view key) {
    if (path.empty()) return std::string(key);
    std::string s(path);
    s += '.';
    s += key;
    return s;
  }

 private:
  std::string source_;
};

#define CL_TRY(expr)                   \
  do {                                 \
    Status st_ = (expr);               \
    if (!st_.ok()) return st_;         \
  } while (0)

// A section the operator may leave out (its defaults stand); present, it must be an object,
// which `read` reads.
template <class Fn>
Status read_section(const Reader& r, dom::object root, std::string_view name, Fn&& read) {
  dom::element e;
  if (root[name].get(e) != simdjson::SUCCESS) return {};
  dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return r.fail(name, "expected an object");
  return read(o);
}

Status read_limits(const Reader& r, dom::object o, Config& c) {
  CL_TRY(r.check_keys(o, "limits", {"body_bytes_max", "header_bytes_max", "read_timeout_ms",
                                    "idle_timeout_ms", "connections_max", "pipeline_depth_max",
                                    "background_jobs_max"}));
  HttpLimits& l = c.limits;
  CL_TRY(r.get_uint(o, "limits", "body_bytes_max", l.body_bytes_max, 1, 1ull << 30));
  CL_TRY(r.get_uint(o, "limits", "header_bytes_max", l.header_bytes_max, 256, 1ull << 20));
  CL_TRY(r.get_uint(o, "limits", "read_timeout_ms", l.read_timeout_ms, 1, 3'600'000));
  CL_TRY(r.get_uint(o, "limits", "idle_timeout_ms", l.idle_timeout_ms, 1, 86'400'000));
  CL_TRY(r.get_uint(o, "limits", "connections_max", l.connections_max, 1, 10'000'000));
  CL_TRY(r.get_uint(o, "limits", "pipeline_depth_max", l.pipeline_depth_max, 1, 1'000'000));
  CL_TRY(r.get_uint(o, "limits", "background_jobs_max", l.background_jobs_max, 1, 1'000'000));
  return {};
}

Status read_durability(const Reader& r, dom::object o, Config& c) {
  CL_TRY(r.check_keys(o, "durability",
                      {"mode", "fsync_interval_ms", "snapshot_interval_ms", "preallocate",
                       "sync_lanes", "group_commit_wait_us", "group_commit_quiet_us",
                       "group_commit_min_records", "group_commit_spacing_us", "retention_age_s",
                       "retention_bytes_max"}));
  dom::element preallocate;
  if (o["preallocate"].get(preallocate) == simdjson::SUCCESS &&
      preallocate.get_bool().get(c.wal_preallocate) != simdjson::SUCCESS) {
    return r.fail("durability.preallocate", "expected true or false");
  }
  std::string mode = "sync";
  CL_TRY(r.get_string(o, "durability", "mode", mode));
  const auto parsed = wal::parse_durability(mode);
  if (!parsed) return r.fail("durability.mode", "expected \"sync\", \"async\" or \"none\"");
  c.durability = *parsed;
  CL_TRY(r.get_uint(o, "durability", "snapshot_interval_ms", c.snapshot_interval_ms, 0,
                    86'400'000));
  CL_TRY(r.get_uint(o, "durability", "sync_lanes", c.wal_sync_lanes, 1,
                    static_cast<std::uint32_t>(wal::kSyncLanesMax)));
  CL_TRY(r.get_uint(o, "durability", "group_commit_wait_us", c.wal_group_commit_wait_us, 0,
                    wal::kGroupCommitWaitUsMax));
  CL_TRY(r.get_uint(o, "durability", "group_commit_quiet_us", c.wal_group_commit_quiet_us, 0,
                    wal::kGroupCommitWaitUsMax));
  CL_TRY(r.get_uint(o, "durability", "group_commit_min_records", c.wal_group_commit_min_records, 2,
                    wal::kGroupCommitMinRecordsMax));
  CL_TRY(r.get_uint(o, "durability", "group_commit_spacing_us", c.wal_group_commit_spacing_us, 0,
                    wal::kGroupCommitWaitUsMax));
  CL_TRY(r.get_uint(o, "durability", "retention_age_s", c.wal_retention_age_s, 0,
                    kRetentionAgeSMax));
  CL_TRY(r.get_uint(o, "durability", "retention_bytes_max", c.wal_retention_bytes_max, 0,
                    kRetentionBytesMax));
  return r.get_uint(o, "durability", "fsync_interval_ms", c.fsync_interval_ms, 1, 60'000);
}

Status read_auth(const Reader& r, dom::object o, Config& c) {
  CL_TRY(r.check_keys(o, "auth", {"token_ttl_s", "tokens_max"}));
  CL_TRY(r.get_uint(o, "auth", "token_ttl_s", c.token_ttl_s, 1, 7 * 86'400));
  return r.get_uint(o, "auth", "tokens_max", c.tokens_max, 1, 100'000'000);
}

// "rate_limits" and "access_log": the front door's own knobs.
Status read_rate_limits(const Reader& r, dom::object o, Config& c) {
  CL_TRY(r.check_keys(o, "rate_limits", {"auth_failures_per_minute", "auth_failures_burst"}));
  CL_TRY(r.get_uint(o, "rate_limits", "auth_failures_per_minute", c.auth_failures_per_minute, 1));
  return r.get_uint(o, "rate_limits", "auth_failures_burst", c.auth_failures_burst, 1);
}

Status read_access_log(const Reader& r, dom::object o, Config& c) {
  CL_TRY(r.check_keys(o, "access_log", {"sample_rate"}));
  dom::element rate;
  if (o["sample_rate"].get(rate) == simdjson::SUCCESS) {
    if (rate.get_double().get(c.access_log_sample_rate) != simdjson::SUCCESS ||
        !(c.access_log_sample_rate >= 0 && c.access_log_sample_rate <= 1)) {
      return r.fail("access_log.sample_rate", "expected a number from 0 to 1");
    }
  }
  return {};
}

// What the lists read so far hold, for the duplicate checks: hash sets, so that reading N
// keys or organisations costs O(N), not O(N^2) (probe 36a: 50,000 keys took 12 s to start).
struct SeenSoFar {
  std::unordered_set<ledger::OrgId> orgs;
  std::unordered_set<std::string> key_names;
};

Status read_org(const Reader& r, dom::element e, const std::string& path, Config& c,
                SeenSoFar& seen) {
  dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return r.fail(path, "expected an object");
  CL_TRY(r.check_keys(o, path, {"org_id", "time_zone", "redemption_strategy",
                                "active_promotions_max", "codes_max", "wallet_entries_max"}));
  OrgConfig org;
  dom::element id;
  if (o["org_id"].get(id) != simdjson::SUCCESS) return r.fail(path + ".org_id", "required");
  CL_TRY(r.get_uint(o, path, "org_id", org.org, 1));
  CL_TRY(r.get_string(o, path, "time_zone", org.settings.time_zone));
  if (!wire::IsoZone::find(org.settings.time_zone)) {
    return r.fail(path + ".time_zone", "unknown IANA time zone '" + org.settings.time_zone + "'");
  }
  std::string strategy = "WITHOUT_CART_EVALUATION";
  CL_TRY(r.get_string(o, path, "redemption_strategy", strategy));
  if (strategy == "WITHOUT_CART_EVALUATION") {
    org.settings.strategy = ledger::RedemptionStrategy::kWithoutCartEvaluation;
  } else if (strategy == "WITH_CART_EVALUATION") {
    org.settings.strategy = ledger::RedemptionStrategy::kWithCartEvaluation;
  } else {
    return r.fail(path + ".redemption_strategy",
                  "expected WITHOUT_CART_EVALUATION or WITH_CART_EVALUATION");
  }
  CL_TRY(r.get_uint(o, path, "active_promotions_max", org.settings.active_promotions_max, 1));
  CL_TRY(r.get_uint(o, path, "codes_max", org.settings.codes_max, 1, 1ull << 40));
  CL_TRY(r.get_uint(o, path, "wallet_entries_max", org.settings.wallet_entries_max, 1,
                    1'000'000'000));
  if (!seen.orgs.insert(org.org).second) return r.fail(path + ".org_id", "duplicate organisation");
  c.organisations.push_back(std::move(org));
  return {};
}

Status read_scopes(const Reader& r, dom::object o, const std::string& path, std::uint8_t& out) {
  dom::array scopes;
  if (o["scopes"].get(scopes) != simdjson::SUCCESS) {
    dom::element e;
    if (o["scopes"].get(e) == simdjson::SUCCESS) return r.fail(path + ".scopes", "expected an array");
    out = static_cast<std::uint8_t>(Scope::kRead) | static_cast<std::uint8_t>(Scope::kWrite);
    return {};
  }
  out = 0;
  for (dom::element s : scopes) {
    std::string_view name;
    if (s.get_string().get(name) != simdjson::SUCCESS) return r.fail(path + ".scopes", "expected strings");
    if (name == "read") out |= static_cast<std::uint8_t>(Scope::kRead);
    else if (name == "write") out |= static_cast<std::uint8_t>(Scope::kWrite);
    else if (name == "admin") out |= static_cast<std::uint8_t>(Scope::kAdmin);
    else return r.fail(path + ".scopes", "unknown scope '" + std::string(name) + "' (read, write, admin)");
  }
  return {};
}

Status check_key_name(const Reader& r, const std::string& path, const std::string& name) {
  if (!crypto::valid_api_key_name(name)) {
    return r.fail(path + ".name", "must be " + std::string(crypto::kApiKeyNameRule));
  }
  if (name.size() > kApiKeyNameBytesMax) {
    return r.fail(path + ".name", "must be at most " + std::to_string(kApiKeyNameBytesMax) +
                                      " bytes, got " + std::to_string(name.size()) +
                                      " (the name is written into every log record)");
  }
  return {};
}

Status read_key(const Reader& r, dom::element e, const std::string& path, Config& c,
                SeenSoFar& seen) {
  dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return r.fail(path, "expected an object");
  CL_TRY(r.check_keys(o, path, {"name", "org_id", "scopes", "salt", "secret_sha256",
                                "rate_limit_per_minute", "rate_limit_burst"}));
  ApiKeyConfig key;
  CL_TRY(r.get_string(o, path, "name", key.name, true));
  CL_TRY(check_key_name(r, path, key.name));
  dom::element id;
  if (o["org_id"].get(id) != simdjson::SUCCESS) return r.fail(path + ".org_id", "required");
  CL_TRY(r.get_uint(o, path, "org_id", key.org, 1));
  CL_TRY(read_scopes(r, o, path, key.scopes));
  CL_TRY(r.get_string(o, path, "salt", key.salt_hex, true));
  std::string bytes;
  if (key.salt_hex.size() < 16 || !from_hex(key.salt_hex, bytes)) {
    // Hex of whole bytes: an odd count (17 digits) is refused too, so the message says so.
    return r.fail(path + ".salt", "expected an even number of hex characters, at least 16 (8 or more bytes)");
  }
  CL_TRY(r.get_string(o, path, "secret_sha256", key.secret_sha256_hex, true));
  if (key.secret_sha256_hex.size() != 64 || !from_hex(key.secret_sha256_hex, bytes)) {
    return r.fail(path + ".secret_sha256", "expected 64 hex characters (a SHA-256 digest)");
  }
  for (auto& ch : key.secret_sha256_hex) ch = static_cast<char>(std::tolower(ch));
  CL_TRY(r.get_uint(o, path, "rate_limit_per_minute", key.rate_limit_per_minute, 1));
  CL_TRY(r.get_uint(o, path, "rate_limit_burst", key.rate_limit_burst, 1));
  if (!seen.key_names.insert(key.name).second) return r.fail(path + ".name", "duplicate key name");
  c.api_keys.push_back(std::move(key));
  return {};
}

template <class Fn>
Status read_array(const Reader& r, dom::object root, std::string_view name, Fn&& each) {
  dom::element e;
  if (root[name].get(e) != simdjson::SUCCESS) return {};
  dom::array items;
  if (e.get_array().get(items) != simdjson::SUCCESS) return r.fail(name, "expected an array");
  std::size_t i = 0;
  for (dom::element item : items) {
    CL_TRY(each(item, std::string(name) + "[" + std::to_string(i++) + "]"));
  }
  return {};
}

// The optional sections in turn; the first error found is the one reported, so this order
// (durability, limits, the front door's two, auth) is part of what an operator sees.
Status read_sections(const Reader& r, dom::object root, Config& c) {
  CL_TRY(read_section(r, root, "durability", [&](dom::object o) { return read_durability(r, o, c); }));
  CL_TRY(read_section(r, root, "limits", [&](dom::object o) { return read_limits(r, o, c); }));
  CL_TRY(read_section(r, root, "rate_limits", [&](dom::object o) { return read_rate_limits(r, o, c); }));
  CL_TRY(read_section(r, root, "access_log", [&](dom::object o) { return read_access_log(r, o, c); }));
  return read_section(r, root, "auth", [&](dom::object o) { return read_auth(r, o, c); });
}

Status read_top(const Reader& r, dom::object root, Config& c) {
  CL_TRY(r.check_keys(root, "", {"listen", "threads", "data_dir", "durability", "limits", "auth",
                                 "organisations", "api_keys", "demo", "rate_limits",
                                 "access_log"}));
  std::string listen;
  CL_TRY(r.get_string(root, "", "listen", listen));
  dom::element listen_given;  // "" too: it is a bad address, not the default (probe 32)
  if (root["listen"].get(listen_given) == simdjson::SUCCESS) {
    Status st = parse_listen(listen, c.listen_host, c.listen_port);
    if (!st.ok()) return r.fail("listen", st.message());
  }
  CL_TRY(r.get_uint(root, "", "threads", c.threads, 0, 1024));
  CL_TRY(r.get_string(root, "", "data_dir", c.data_dir));
  if (c.data_dir.empty()) return r.fail("data_dir", "must not be empty (leave it out for ./data)");
  dom::element demo;
  if (root["demo"].get(demo) == simdjson::SUCCESS && demo.get_bool().get(c.demo) != simdjson::SUCCESS) {
    return r.fail("demo", "expected true or false");
  }
  return read_sections(r, root, c);
}

}  // namespace

namespace {

// simdjson's DOM parser names the fault but not its place; find_json_fault adds the key path
// and byte offset when its walk finds them.
Status json_error(const Reader& r, std::string_view json, std::string_view source,
                  simdjson::error_code err) {
  const std::string prefix = "config " + std::string(source) + ": ";
  if (err == simdjson::EMPTY) {
    return {ErrorCode::kInvalidRequest, prefix + "the file is empty (a JSON object is required)"};
  }
  const auto fault = find_json_fault(json);
  const std::string at = fault ? " at byte " + std::to_string(fault->offset) : "";
  if (fault && fault->bad_number && !fault->path.empty()) {
    return r.fail(fault->path, "not a number that can be read (malformed, or too large for any "
                               "field)" + at);
  }
  std::string where;
  if (fault && !fault->path.empty()) {
    where = (fault->after ? " after field '" : " in field '") + fault->path + "'" + at;
  } else if (fault) {
    where = at;
  }
  return {ErrorCode::kInvalidRequest,
          prefix + "not valid JSON" + where + ": " + simdjson::error_message(err)};
}

// More organisations than the ledger holds would pass here and fail only once the store
// opens: refused with the configuration's other errors instead.
Status check_organisation_count(const Reader& r, const Config& c) {
  const std::size_t orgs_max = ledger::LedgerLimits{}.organisations_max;
  if (c.organisations.size() <= orgs_max) return {};
  return r.fail("organisations", std::to_string(c.organisations.size()) +
                                     " organisations; the ledger holds at most " +
                                     std::to_string(orgs_max) + " (organisations_max)");
}

}  // namespace

Result<Config> parse_config(std::string_view json, std::string_view source) {
  Reader r(source);
  dom::parser parser;
  dom::element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc); err != simdjson::SUCCESS) {
    return json_error(r, json, source, err);
  }
  dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return r.fail("(root)", "expected an object");
  Config c;
  SeenSoFar seen;
  CL_TRY(read_top(r, root, c));
  CL_TRY(read_array(r, root, "organisations", [&](dom::element e, const std::string& p) {
    return read_org(r, e, p, c, seen);
  }));
  CL_TRY(check_organisation_count(r, c));
  CL_TRY(read_array(r, root, "api_keys", [&](dom::element e, const std::string& p) {
    return read_key(r, e, p, c, seen);
  }));
  for (std::size_t i = 0; i < c.api_keys.size(); ++i) {
    if (!seen.orgs.contains(c.api_keys[i].org)) {
      return r.fail("api_keys[" + std::to_string(i) + "].org_id", "no such organisation in 'organisations'");
    }
  }
  return c;
}

namespace {

// "a directory", "a FIFO", ... for the message refusing anything but a regular file.
std::string_view file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

// The whole of a regular file. O_NONBLOCK: opening a FIFO would otherwise wait for a writer
// (forever, at start-up); fstat then refuses it unread.
Result<std::string> read_regular_file(const std::string& path) {
  const auto error = [&path](std::string what) {
    return Status(ErrorCode::kInvalidRequest, "config " + path + ": " + std::move(what));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return error("cannot open file: " + std::string(std::strerror(errno)));
  struct stat st {};
  std::string text;
  Status status;
  if (::fstat(fd, &st) != 0) {
    status = error("cannot stat file: " + std::string(std::strerror(errno)));
  } else if (!S_ISREG(st.st_mode)) {
    status = error("is " + std::string(file_kind(st.st_mode)) + ", expected a JSON file");
  } else {
    char buf[1 << 16];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = error("read error: " + std::string(std::strerror(errno)));
        break;
      }
      text.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (!status.ok()) return status;
  return text;
}

}  // namespace

Result<Config> load_config_file(const std::string& path) {
  Result<std::string> text = read_regular_file(path);
  if (!text.ok()) return text.status();
  return parse_config(*text, path);
}

Config demo_config() {
  Config c;
  c.demo = true;
  OrgConfig org;
  org.org = capillary::kDemoOrgId;
  org.settings.time_zone = std::string(capillary::kDemoTimeZone);
  c.organisations.push_back(org);
  ApiKeyConfig key;
  key.name = std::string(capillary::kDemoKeyName);
  key.org = capillary::kDemoOrgId;
  key.scopes = static_cast<std::uint8_t>(Scope::kRead) | static_cast<std::uint8_t>(Scope::kWrite) |
               static_cast<std::uint8_t>(Scope::kAdmin);
  // A fixed salt keeps the demo reproducible; the password is public (printed at start).
  key.salt_hex = "9f1c2a7be04d4c58a1e3f6b2d8c07a15";
  std::string salt;
  CL_CHECK(from_hex(key.salt_hex, salt));
  key.secret_sha256_hex = salted_secret_hash(salt, md5_hex(capillary::kDemoPassword));
  c.api_keys.push_back(std::move(key));
  return c;
}

unsigned io_thread_count(const Config& config) {
  return config.threads != 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
}

wal::WalOptions wal_options(const Config& config) {
  wal::WalOptions o;
  o.durability = config.durability;
  o.fsync_interval_ms = config.fsync_interval_ms;
  o.preallocate = config.wal_preallocate;
  o.sync_lanes = config.wal_sync_lanes;
  o.group_commit_wait_us = config.wal_group_commit_wait_us;
  o.group_commit_quiet_us = config.wal_group_commit_quiet_us;
  o.group_commit_min_records = config.wal_group_commit_min_records;
  o.group_commit_spacing_us = config.wal_group_commit_spacing_us;
  o.retention.age_ms_max = static_cast<std::int64_t>(config.wal_retention_age_s * 1000);
  o.retention.total_bytes_max = config.wal_retention_bytes_max;
  return o;
}

}  // namespace codeledger::server
