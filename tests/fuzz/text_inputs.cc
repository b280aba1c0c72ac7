// Text the server reads before any handler: the raw request head (the smuggling screen,
// then Beast's parser, as a session runs them) and the configuration file.
//
// request_head: find_head_end finds the blank line ("\r\n\r\n", or a bare "\n\n" the screen
// always refuses) or nothing; a head the screen accepts is
// parsed by Beast with the server's default limits without a crash (Beast may still refuse
// it: that is a 400 in the session).
//
// config_file: parse_config on any bytes either fails with a message naming the source or
// yields a config; never a crash.
#include <algorithm>
#include <string>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/http/config.h"
#include "server/http/head_screen.h"
#include "server/http/request_parser.h"
#include "tests/fuzz/fuzz_targets.h"

namespace codeledger::fuzz {

namespace http = boost::beast::http;

int request_head(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::size_t end = server::find_head_end(bytes);
  if (end == 0) return 0;
  const std::string_view head = bytes.substr(0, std::min(end, size));
  const bool crlf_end = end >= 4 && head.ends_with("\r\n\r\n");
  CL_FUZZ_CHECK(end <= size && (crlf_end || head.ends_with("\n\n")), "find_head_end");
  // A head ended by a bare-LF blank line is there to be refused at once.
  if (!crlf_end) CL_FUZZ_CHECK(!server::screen_request_head(head).empty(), "a bare-LF head passed the screen");
  if (!server::screen_request_head(head).empty()) return 0;
  const server::HttpLimits limits;
  server::RequestParser parser;  // the session's: keeps only the fields the server reads
  parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes_max));
  parser.body_limit(limits.body_bytes_max);
  parser.eager(true);
  boost::beast::error_code ec;
  (void)parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  if (!ec && parser.is_header_done()) {
    for (const auto& f : parser.get()) CL_FUZZ_CHECK(server::kept_field(f.name()), "RequestParser kept a field");
  }
  return 0;
}

std::vector<std::string> request_head_seeds() {
  return {
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /api_gateway/v1/promotions/code/link HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "
      "ZGVtbzpkZW1vLXNlY3JldA==\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
      "T . HOT / HTTP/1.1\r\n\n\r\n",  // a blank line of a bare LF (session 29's finding)
  };
}

int config_file(const std::uint8_t* data, std::size_t size) {
  auto config = server::parse_config(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
  if (!config.ok()) {
    CL_FUZZ_CHECK(config.status().message().find("fuzz.json") != std::string::npos, "an error without its source");
  }
  return 0;
}

std::vector<std::string> config_file_seeds() {
  return {
      R"({"listen": "127.0.0.1:8080", "threads": 2, "data_dir": "./data",
          "durability": {"mode": "sync", "fsync_interval_ms": 5, "group_commit_wait_us": 300},
          "limits": {"body_bytes_max": 1048576, "connections_max": 100, "background_jobs_max": 4},
          "auth": {"token_ttl_s": 3600}, "access_log": {"sample_rate": 0.5},
          "organisations": [{"org_id": 100737, "time_zone": "Asia/Kolkata"}],
          "api_keys": [{"name": "k", "org_id": 100737, "scopes": ["read", "write"],
                        "salt": "00112233445566778899aabbccddeeff",
                        "secret_sha256": "d62f7b673c4a38d9082e1cedec2903d910a0d0b45781d0def6f1df79f20edc0e",
                        "rate_limit_per_minute": 50, "rate_limit_burst": 5}]})",
      "{}",
      // Nested past what the fault walk (server/http/json_fault.cc) recurses into: it once
      // overflowed the stack here.
      R"({"listen": "", "data_dir": "", "x": )" + std::string(5000, '['),
  };
}

}  // namespace codeledger::fuzz
