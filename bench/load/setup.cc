#include "bench/load/setup.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "bench/load/resp.h"

namespace codeledger::bench {
namespace {

namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::size_t kImportBatch = 10'000;   // the server's codes_per_call_max
constexpr std::uint32_t kExportPage = 10'000;  // the server's export_page_max
constexpr std::uint32_t kGenerateBatch = 1'000'000;  // the ledger's codes_per_generate_max
constexpr auto kSetupProgressEvery = std::chrono::seconds(1);
constexpr std::uint32_t kGeneratedLength = 12;
constexpr std::size_t kRedisBatch = 1'000;     // commands per pipelined write
constexpr std::size_t kRedisReadBytes = 64 * 1024;
constexpr std::uint64_t kSetupResponseBytesMax = 64 * 1024 * 1024;
// Runs one asynchronous socket step to its end, or for at most `wait_max`: then the socket
// is closed and the call fails, naming the step. `start(done)` begins the step with
// `done(error_code, bytes)` as its completion handler.
template <class Start>
std::size_t finish_within_deadline(net::io_context& ioc, tcp::socket& socket,
                                   std::chrono::milliseconds wait_max, const char* step,
                                   Start start) {
  std::optional<boost::system::error_code> result;
  std::size_t bytes = 0;
  start([&](boost::system::error_code ec, std::size_t n) {
    result = ec;
    bytes = n;
  });
  ioc.restart();
  ioc.run_for(wait_max);
  if (!result) {
    boost::system::error_code ignored;
    socket.close(ignored);
    ioc.restart();
    ioc.run();  // the step completes, cancelled, before its handler's captures go
    throw std::runtime_error(std::string("no ") + step + " within " +
                             std::to_string(wait_max.count()) +
                             " ms: the target stopped answering");
  }
  if (*result) throw boost::system::system_error(*result, step);
  return bytes;
}

void connect_within_deadline(net::io_context& ioc, tcp::socket& socket,
                             std::chrono::milliseconds wait_max, const tcp::endpoint& to) {
  finish_within_deadline(ioc, socket, wait_max, "connect", [&](auto done) {
    socket.async_connect(to, [done](boost::system::error_code ec) mutable { done(ec, 0); });
  });
}

std::string code_text(const std::string& tag, std::size_t i) {
  std::string digits = std::to_string(i);
  return "L" + tag + std::string(digits.size() < 8 ? 8 - digits.size() : 0, '0') + digits;
}

// A line a second on stderr while a long set-up step runs (ten million codes take minutes).
class SetupProgress {
 public:
  SetupProgress(bool on, const char* step, std::size_t total) : on_(on), step_(step), total_(total) {}
  void update(std::size_t done) {
    const auto now = std::chrono::steady_clock::now();
    if (!on_ || now < next_) return;
    next_ = now + kSetupProgressEvery;
    std::fprintf(stderr, "ledger-load: set-up: %zu of %zu codes %s\n", done, total_, step_);
  }

 private:
  bool on_;
  const char* step_;
  std::size_t total_;
  std::chrono::steady_clock::time_point next_ = std::chrono::steady_clock::now() + kSetupProgressEvery;
};

[[noreturn]] void refuse(std::string_view step, const SyncHttp::Answer& a) {
  throw std::runtime_error(std::string(step) + " failed: HTTP " + std::to_string(a.status) +
                           " " + a.body.substr(0, 500));
}

simdjson::dom::element parse(simdjson::dom::parser& p, const SyncHttp::Answer& a,
                             std::string_view step) {
  simdjson::dom::element root;
  if (a.status / 100 != 2 || p.parse(a.body).get(root)) refuse(step, a);
  return root;
}

std::string create_promotion(SyncHttp& client, const std::string& name, bool issuable,
                             std::uint32_t limit) {
  const auto a = client.call(api::create_promotion(name, issuable, limit));
  simdjson::dom::parser p;
  std::string_view id;
  if (parse(p, a, "create promotion")["data"]["id"].get(id)) refuse("create promotion", a);
  return std::string(id);
}

void import_codes(SyncHttp& client, Plan& plan, std::uint32_t count, bool progress) {
  plan.codes.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) plan.codes.push_back(code_text(plan.run_tag, i));
  SetupProgress shown(progress, "imported", count);
  for (std::size_t at = 0; at < plan.codes.size(); at += kImportBatch) {
    const std::size_t n = std::min(kImportBatch, plan.codes.size() - at);
    const auto a = client.call(api::import_codes(plan.code_promotion, {plan.codes.data() + at, n}));
    if (a.status / 100 != 2 || a.body.find("\"errors\"") != std::string::npos) refuse("import codes", a);
    shown.update(at + n);
  }
}

void generate_and_export(SyncHttp& client, Plan& plan, std::uint32_t count, bool progress) {
  SetupProgress generated(progress, "generated", count);
  for (std::uint32_t done = 0; done < count;) {
    const std::uint32_t n = std::min(kGenerateBatch, count - done);
    const auto g = client.call(api::generate_codes(plan.code_promotion, n, kGeneratedLength));
    if (g.status / 100 != 2) refuse("generate codes", g);
    done += n;
    generated.update(done);
  }
  plan.codes.reserve(count);
  SetupProgress exported(progress, "exported", count);
  std::string cursor;
  simdjson::dom::parser p;
  do {
    const auto a = client.call(api::export_codes(plan.code_promotion, cursor, kExportPage));
    const auto data = parse(p, a, "export codes")["data"];
    simdjson::dom::array codes;
    if (data["codes"].get(codes)) refuse("export codes", a);
    for (auto c : codes) {
      std::string_view text;
      if (c["code"].get(text)) refuse("export codes", a);
      plan.codes.emplace_back(text);
    }
    std::string_view next;
    cursor = data["nextCursor"].get(next) ? std::string() : std::string(next);
    exported.update(plan.codes.size());
  } while (!cursor.empty());
  if (plan.codes.size() != count) {
    throw std::runtime_error("export returned " + std::to_string(plan.codes.size()) +
                             " codes, generated " + std::to_string(count));
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

SyncHttp::SyncHttp(const Options& o, std::string host_header, std::string authorization,
                   std::chrono::milliseconds wait_max)
    : socket_(ioc_),
      wait_max_(wait_max),
      endpoint_(net::ip::make_address(o.address), o.port),
      host_header_(std::move(host_header)),
      authorization_(std::move(authorization)) {}

SyncHttp::Answer SyncHttp::call(const api::HttpCall& call) {
  for (int attempt = 0;; ++attempt) {
    try {
      if (!socket_.is_open()) {
        connect_within_deadline(ioc_, socket_, wait_max_, endpoint_);
        socket_.set_option(tcp::no_delay(true));
      }
      api::serialize(out_, call, host_header_, authorization_);
      finish_within_deadline(ioc_, socket_, wait_max_, "write of the request", [&](auto done) {
        net::async_write(socket_, net::buffer(out_), done);
      });
      boost::beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.body_limit(kSetupResponseBytesMax);
      finish_within_deadline(ioc_, socket_, wait_max_, "answer", [&](auto done) {
        http::async_read(socket_, buffer, parser, done);
      });
      if (!parser.get().keep_alive()) socket_.close();
      return {parser.get().result_int(), std::move(parser.get().body())};
    } catch (const boost::system::system_error&) {
      // An idle keep-alive connection the server closed: one fresh attempt.
      boost::system::error_code ignored;
      socket_.close(ignored);
      if (attempt > 0) throw;
    }
  }
}

SyncRedis::SyncRedis(const Options& o, std::chrono::milliseconds wait_max)
    : socket_(ioc_), wait_max_(wait_max) {
  connect_within_deadline(ioc_, socket_, wait_max_,
                          tcp::endpoint(net::ip::make_address(o.address), o.port));
}

std::string SyncRedis::call(const std::string& commands, std::size_t count) {
  finish_within_deadline(ioc_, socket_, wait_max_, "write of the commands", [&](auto done) {
    net::async_write(socket_, net::buffer(commands), done);
  });
  std::size_t used = 0, at = 0, seen = 0;
  while (seen < count) {
    resp::Reply reply;
    const std::size_t n = resp::parse(std::string_view(in_.data() + at, used - at), &reply);
    if (n == resp::kMalformed) throw std::runtime_error("redis: malformed reply");
    if (n == 0) {
      if (in_.size() < used + kRedisReadBytes) in_.resize(used + kRedisReadBytes);
      used += finish_within_deadline(ioc_, socket_, wait_max_, "reply", [&](auto done) {
        socket_.async_read_some(net::buffer(in_.data() + used, in_.size() - used), done);
      });
      continue;
    }
    if (reply.kind == resp::Kind::kError) throw std::runtime_error("redis: " + std::string(reply.text));
    at += n;
    ++seen;
  }
  return in_.substr(0, at);
}

void setup_http(const Options& o, Plan& plan) {
  SyncHttp client(o, plan.host_header, plan.authorization);
  plan.code_promotion = create_promotion(client, "bench " + plan.run_tag + " codes", false, plan.code_limit);
  if (o.setup == "generate") {
    generate_and_export(client, plan, o.codes, o.progress);
  } else {
    import_codes(client, plan, o.codes, o.progress);
  }
  if (plan.scenario == Scenario::kPeakSale) {
    plan.issue_promotion = create_promotion(client, "bench " + plan.run_tag + " issue", true, 1);
  }
}

void setup_redis(const Options& o, Plan& plan) {
  SyncRedis client(o);
  const std::string dir = o.redis_scripts;
  std::string* shas[] = {&plan.sha_link, &plan.sha_redeem, &plan.sha_issue};
  const char* files[] = {"link.lua", "redeem.lua", "issue.lua"};
  for (int i = 0; i < 3; ++i) {
    const std::string script = read_file(dir + "/" + files[i]);
    std::string cmd;
    const std::string_view args[] = {"SCRIPT", "LOAD", script};
    redis::command(cmd, args);
    resp::Reply reply;
    const std::string raw = client.call(cmd, 1);
    if (resp::parse(raw, &reply) == 0 || reply.kind != resp::Kind::kBulk) {
      throw std::runtime_error("redis: SCRIPT LOAD gave no digest");
    }
    *shas[i] = std::string(reply.text);
  }
  const std::string limit = std::to_string(plan.code_limit);
  std::string batch;
  std::size_t pending = 0;
  SetupProgress shown(o.progress, "loaded into Redis", o.codes);
  for (std::uint32_t i = 0; i < o.codes; ++i) {
    plan.codes.push_back(code_text(plan.run_tag, i));
    const std::string key = redis::code_key(plan.redis_prefix, plan.codes.back());
    const std::string_view args[] = {"HSET", key, "left", limit, "used", "0"};
    redis::command(batch, args);
    if (++pending == kRedisBatch || i + 1 == o.codes) {
      client.call(batch, pending);
      batch.clear();
      pending = 0;
      shown.update(i + 1);
    }
  }
  plan.issue_promotion = "P" + plan.run_tag;
}

}  // namespace codeledger::bench
