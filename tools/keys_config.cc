#include "tools/keys_config.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/cli.h"
#include "tools/event_text.h"

namespace codeledger::tools {

namespace dom = simdjson::dom;

struct KeysConfig::Doc {
  dom::parser parser;
  dom::object root;
};

namespace {

std::string pad(int indent) { return std::string(static_cast<std::size_t>(indent) * 2, ' '); }

bool is_scalar(dom::element e) {
  return e.type() != dom::element_type::ARRAY && e.type() != dom::element_type::OBJECT;
}

std::string scalar_text(dom::element e) {
  switch (e.type()) {
    case dom::element_type::INT64:
      return std::to_string(int64_t(e));
    case dom::element_type::UINT64:
      return std::to_string(uint64_t(e));
    case dom::element_type::DOUBLE: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, double(e));  // shortest exact form
      return std::string(buf, r.ptr);
    }
    case dom::element_type::STRING:
      return json_quote(std::string_view(e));
    case dom::element_type::BOOL:
      return bool(e) ? "true" : "false";
    default:
      return "null";
  }
}

// Any value, pretty-printed; arrays of scalars stay on one line (scopes, listen lists).
void emit(dom::element e, int indent, std::string& out) {
  if (is_scalar(e)) {
    out += scalar_text(e);
  } else if (e.type() == dom::element_type::ARRAY) {
    dom::array a = e;
    const bool flat = std::all_of(a.begin(), a.end(), is_scalar);
    out += "[";
    bool first = true;
    for (dom::element item : a) {
      out += first ? "" : ",";
      out += flat ? (first ? "" : " ") : "\n" + pad(indent + 1);
      emit(item, indent + 1, out);
      first = false;
    }
    out += (flat || first) ? "]" : "\n" + pad(indent) + "]";
  } else {
    dom::object o = e;
    out += "{";
    bool first = true;
    for (auto field : o) {
      out += (first ? "\n" : ",\n") + pad(indent + 1) + json_quote(field.key) + ": ";
      emit(field.value, indent + 1, out);
      first = false;
    }
    out += first ? "}" : "\n" + pad(indent) + "}";
  }
}

std::string emit_key(const KeyEntry& k, int indent) {
  std::vector<std::string> lines{"\"name\": " + json_quote(k.name),
                                 "\"org_id\": " + std::to_string(k.org)};
  if (k.scopes) {
    std::string s = "\"scopes\": [";
    for (std::size_t i = 0; i < k.scopes->size(); ++i)
      s += (i ? ", " : "") + json_quote((*k.scopes)[i]);
    lines.push_back(s + "]");
  }
  lines.push_back("\"salt\": " + json_quote(k.salt_hex));
  lines.push_back("\"secret_sha256\": " + json_quote(k.secret_sha256_hex));
  if (k.rate_limit_per_minute) {
    lines.push_back("\"rate_limit_per_minute\": " + std::to_string(*k.rate_limit_per_minute));
  }
  if (k.rate_limit_burst)
    lines.push_back("\"rate_limit_burst\": " + std::to_string(*k.rate_limit_burst));
  std::string out = "{";
  for (std::size_t i = 0; i < lines.size(); ++i)
    out += (i ? ",\n" : "\n") + pad(indent + 1) + lines[i];
  return out + "\n" + pad(indent) + "}";
}

class EntryReader {
 public:
  EntryReader(const std::string& path, std::size_t index, dom::object o)
      : where_("config " + path + ": api_keys[" + std::to_string(index) + "]."), o_(o) {}

  std::string str(const char* field, bool required) const {
    std::string_view v;
    auto err = o_[field].get(v);
    if (err == simdjson::NO_SUCH_FIELD && !required) return "";
    if (err) throw CliError(where_ + field + ": expected a string");
    return std::string(v);
  }
  std::optional<std::uint64_t> num(const char* field) const {
    std::uint64_t v = 0;
    auto err = o_[field].get(v);
    if (err == simdjson::NO_SUCH_FIELD) return std::nullopt;
    if (err) throw CliError(where_ + field + ": expected a non-negative integer");
    return v;
  }
  std::optional<std::vector<std::string>> scopes() const {
    dom::element e;
    if (o_["scopes"].get(e) == simdjson::NO_SUCH_FIELD) return std::nullopt;
    dom::array a;
    if (e.get(a)) throw CliError(where_ + "scopes: expected an array");
    std::vector<std::string> out;
    for (dom::element s : a) {
      std::string_view v;
      if (s.get(v)) throw CliError(where_ + "scopes: expected strings");
      out.emplace_back(v);
    }
    return out;
  }

 private:
  std::string where_;
  dom::object o_;
};

KeyEntry read_entry(const std::string& path, std::size_t index, dom::element e) {
  dom::object o;
  if (e.get(o))
    throw CliError("config " + path + ": api_keys[" + std::to_string(index) +
                   "]: expected an object");
  EntryReader r(path, index, o);
  KeyEntry k;
  k.name = r.str("name", true);
  k.org = r.num("org_id").value_or(0);
  k.scopes = r.scopes();
  k.salt_hex = r.str("salt", true);
  k.secret_sha256_hex = r.str("secret_sha256", true);
  k.rate_limit_per_minute = r.num("rate_limit_per_minute");
  k.rate_limit_burst = r.num("rate_limit_burst");
  return k;
}

}  // namespace

KeysConfig::KeysConfig(std::string path) : path_(std::move(path)) {}
KeysConfig::KeysConfig(KeysConfig&&) noexcept = default;
KeysConfig::~KeysConfig() = default;

KeysConfig KeysConfig::load(const std::string& path) {
  KeysConfig c(path);
  if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
    throw CliError("config " + path + ": is a directory, expected a JSON file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (std::filesystem::exists(path)) throw CliError("config " + path + ": cannot open");
    return c;
  }
  std::ostringstream text;
  text << in.rdbuf();
  c.doc_ = std::make_unique<Doc>();
  dom::element root;
  if (auto err = c.doc_->parser.parse(simdjson::padded_string(text.str())).get(root); err) {
    throw CliError("config " + path + ": not valid JSON: " + simdjson::error_message(err));
  }
  if (root.get(c.doc_->root)) throw CliError("config " + path + ": expected a JSON object");
  dom::array keys, orgs;
  // render() rewrites both as arrays: anything else would be silently dropped.
  for (const char* field : {"api_keys", "organisations"}) {
    dom::element e;
    if (c.doc_->root[field].get(e) == simdjson::SUCCESS && !e.is_array()) {
      throw CliError("config " + path + ": " + field + ": expected an array");
    }
  }
  if (c.doc_->root["api_keys"].get(keys) == simdjson::SUCCESS) {
    std::size_t i = 0;
    for (dom::element e : keys) c.keys_.push_back(read_entry(path, i++, e));
  }
  if (c.doc_->root["organisations"].get(orgs) == simdjson::SUCCESS) {
    for (dom::element e : orgs) {
      std::uint64_t id = 0;
      if (e["org_id"].get(id) == simdjson::SUCCESS) c.orgs_.push_back(id);
    }
  }
  return c;
}

bool KeysConfig::has_org(std::uint64_t org) const {
  return std::count(orgs_.begin(), orgs_.end(), org) +
             std::count(orgs_added_.begin(), orgs_added_.end(), org) >
         0;
}

void KeysConfig::add_org(std::uint64_t org) { orgs_added_.push_back(org); }

std::string KeysConfig::render() const {
  std::vector<std::pair<std::string, std::string>> fields;  // key, rendered value
  auto render_keys = [&] {
    std::string out = "[";
    for (std::size_t i = 0; i < keys_.size(); ++i)
      out += (i ? ",\n" : "\n") + pad(2) + emit_key(keys_[i], 2);
    return out + (keys_.empty() ? "]" : "\n" + pad(1) + "]");
  };
  auto render_orgs = [&](std::optional<dom::array> original) {
    std::string out = "[";
    bool first = true;
    auto add = [&](const std::string& item) {
      out += (first ? "\n" : ",\n") + pad(2) + item;
      first = false;
    };
    if (original) {
      for (dom::element e : *original) {
        std::string item;
        emit(e, 2, item);
        add(item);
      }
    }
    for (auto org : orgs_added_) add("{\"org_id\": " + std::to_string(org) + "}");
    return out + (first ? "]" : "\n" + pad(1) + "]");
  };
  bool saw_keys = false, saw_orgs = false;
  if (doc_) {
    for (auto field : doc_->root) {
      std::string value;
      if (field.key == "api_keys") {
        value = render_keys();
        saw_keys = true;
      } else if (field.key == "organisations" && field.value.is_array()) {
        value = render_orgs(dom::array(field.value));
        saw_orgs = true;
      } else {
        emit(field.value, 1, value);
      }
      fields.emplace_back(std::string(field.key), std::move(value));
    }
  }
  if (!saw_orgs && !orgs_added_.empty())
    fields.emplace_back("organisations", render_orgs(std::nullopt));
  if (!saw_keys) fields.emplace_back("api_keys", render_keys());
  std::string out = "{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    out += (i ? ",\n" : "\n") + pad(1) + json_quote(fields[i].first) + ": " + fields[i].second;
  }
  return out + "\n}\n";
}

void KeysConfig::save() const {
  namespace fs = std::filesystem;
  const std::string text = render();
  const fs::path target = fs::absolute(path_);
  const std::string tmp = target.string() + ".tmp." + std::to_string(::getpid());
  struct stat st {};
  const bool exists = ::stat(target.c_str(), &st) == 0;
  const mode_t mode = exists ? (st.st_mode & 07777) : 0600;
  // rename() would replace a file the operator made read-only (even for root); refuse.
  if (exists && ((mode & 0222) == 0 || ::access(target.c_str(), W_OK) != 0)) {
    throw CliError("config " + path_ + " is read-only; left unchanged");
  }
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw CliError("cannot create " + tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool ok = done == text.size() && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = ok ? errno : saved_errno;
    ::unlink(tmp.c_str());
    throw CliError("cannot write " + path_ + ": " + std::strerror(err));
  }
  const int dir = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const bool dir_synced = dir >= 0 && ::fsync(dir) == 0;
  if (dir >= 0) ::close(dir);
  if (!dir_synced) throw CliError("wrote " + path_ + " but could not fsync its directory");
}

}  // namespace codeledger::tools
