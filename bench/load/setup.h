// Set-up and check-up through the target's own API, over one blocking connection: create the
// run's promotions and codes (or load Redis), and afterwards read back what was redeemed.
#pragma once

#include <boost/asio.hpp>

#include <chrono>
#include <string>
#include <unordered_map>

#include "bench/load/api.h"
#include "bench/load/options.h"
#include "bench/load/report.h"
#include "bench/load/workload.h"

namespace codeledger::bench {

// Blocking HTTP/1.1 keep-alive client for set-up and verification (not the measured path).
// The longest the set-up and the verify wait for one step of a call (the connect, the
// request's write, its answer): far above a 1M-code generate, so only a target that has
// stopped answering meets it; the call then fails naming the step. Without it a silent
// listener hung ledger-load for good (probe 33).
inline constexpr std::chrono::milliseconds kCallStepWaitMax{60'000};

class SyncHttp {
 public:
  SyncHttp(const Options& options, std::string host_header, std::string authorization,
           std::chrono::milliseconds wait_max = kCallStepWaitMax);
  struct Answer {
    unsigned status = 0;
    std::string body;
  };
  Answer call(const api::HttpCall& call);

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  std::chrono::milliseconds wait_max_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::string host_header_, authorization_;
  std::string out_;
};

// Blocking RESP client (one command at a time, or a pipelined batch).
class SyncRedis {
 public:
  explicit SyncRedis(const Options& options, std::chrono::milliseconds wait_max = kCallStepWaitMax);
  // Sends `commands` (already RESP-encoded, `count` of them) and returns the replies' raw
  // bytes; throws on an error reply.
  std::string call(const std::string& commands, std::size_t count);

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  std::chrono::milliseconds wait_max_;
  std::string in_;
};

// Prepares the run; throws std::runtime_error with the server's answer when a step fails.
void setup_http(const Options& options, Plan& plan);
void setup_redis(const Options& options, Plan& plan);
// Looks every redeemed code up through the target and compares with what the clients saw.
VerifyReport verify_redemptions(const Options& options, const Plan& plan,
                                const std::unordered_map<std::uint32_t, std::uint32_t>& redeemed);

}  // namespace codeledger::bench
