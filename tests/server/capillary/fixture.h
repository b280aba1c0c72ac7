// Calls Capillary handlers directly with a real Ledger: requests are built by hand, answers
// parsed with simdjson. Two organisations (A in UTC, B in Asia/Kolkata) share the ledger so
// every test can also check that B never sees or touches A's data.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/ledger.h"
#include "server/capillary/handlers.h"
#include "server/http/handler.h"

namespace codeledger::server::capillary::testing {

namespace dom = simdjson::dom;

inline constexpr ledger::OrgId kOrgA = 100737;
inline constexpr ledger::OrgId kOrgB = 100458;
inline constexpr ledger::TimeMs kNow = 1762841149535;          // seed 000 createdOn
inline constexpr ledger::TimeMs kValidTill = 1767205799999;    // seed 000 validTill
inline constexpr ledger::CustomerId kCustomer = 566881933;      // seeds 000, 002, 003
inline constexpr ledger::CustomerId kCustomer2 = 566135941;     // seed 003
inline constexpr std::string_view kSeedCode = "DQCV73";

using PathList = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class CapillaryTest : public ::testing::Test {
 protected:
  CapillaryTest() = default;
  // A ledger with other limits, or staging its events to `sink`.
  CapillaryTest(ledger::LedgerOptions options, ledger::EventSink* sink) : ledger_(options, sink) {}
  void SetUp() override;

  // One handler call as `caller` (org A by default). `target` may carry `?query`.
  Reply call(Handler h, http::verb verb, std::string_view target, std::string_view body = {},
             PathList path = {}, const Caller* caller = nullptr);
  Reply call_b(Handler h, http::verb verb, std::string_view target, std::string_view body = {},
               PathList path = {}) {
    return call(h, verb, target, body, path, &caller_b_);
  }

  // The reply body parsed; valid until the next parse. Fails the test on invalid JSON.
  dom::element parse(const Reply& r);
  dom::element data(const Reply& r) { return parse(r)["data"].value(); }
  // The numeric codes of the reply's `errors` (empty when there are none). Also checks the
  // reply's status is the documented one: 200 only when some record succeeded (`data` holds
  // something), otherwise the status of the first error's code.
  std::vector<std::int64_t> error_codes(const Reply& r);
  // The first error's message ("" when there is none).
  std::string first_message(const Reply& r);

  // A code-linked DISCOUNT promotion in org A holding `codes` (created through the handlers).
  std::string make_code_promotion(std::initializer_list<std::string_view> codes,
                                  std::string_view extra_fields = {},
                                  std::string_view name = "code_linked promotion");
  std::string make_issuable_promotion(std::string_view extra_fields = {});
  // An operation for setting state up directly in the ledger (not under test).
  ledger::Op setup_op() { return ledger::Op{kOrgA, "setup", now_, ledger::Dialect::kAdmin, 0}; }
  // Deactivates org A's promotion `id` through its handler; fails the test unless it is 200.
  void deactivate(const std::string& id) {
    Reply off = call(&deactivate_promotion, http::verb::post, "/x", {}, {{"promotionId", id}});
    ASSERT_EQ(off.status, http::status::ok) << off.body;
  }
  // Makes sure kCustomer and kCustomer2 exist as profiles in `caller`'s org.
  void add_customers(const Caller* caller = nullptr);

  ledger::Ledger ledger_;
  Caller caller_a_{kOrgA, "key-a", 7};
  Caller caller_b_{kOrgB, "key-b", 7};
  ledger::TimeMs now_ = kNow;

 private:
  dom::parser parser_;
  std::string last_body_;
};

// True when `s` looks like 2025-11-11T06:05:49Z (zulu) or ...+05:30 (offset).
bool is_iso_utc(std::string_view s);
bool is_iso_offset(std::string_view s, std::string_view offset);

}  // namespace codeledger::server::capillary::testing
