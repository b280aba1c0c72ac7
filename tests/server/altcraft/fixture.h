// Calls Altcraft handlers directly with a real Ledger: requests are built by hand (JSON or
// XML bodies), answers parsed with simdjson or pugixml. Two organisations share the ledger,
// each with a loyalty program number 1 and a profile "prof-1", so tests can check that one
// organisation's token never reaches the other's data. Tokens resolve through a fake
// TokenAuthority.
#pragma once

#include <gtest/gtest.h>
#include <pugixml.hpp>
#include <simdjson.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"
#include "server/altcraft/handlers.h"
#include "server/http/handler.h"

namespace codeledger::server::altcraft::testing {

namespace dom = simdjson::dom;

inline constexpr ledger::OrgId kOrgA = 100737;
inline constexpr ledger::OrgId kOrgB = 100458;
inline constexpr ledger::TimeMs kNow = 1762841149535;        // 2025-11-11T06:05:49.535Z
inline constexpr ledger::TimeMs kValidTill = 1767205799999;  // 2025-12-31T18:29:59.999Z
inline constexpr ledger::CustomerId kCustomer1 = 566881933;
inline constexpr ledger::CustomerId kCustomer2 = 566135941;
inline constexpr std::string_view kTokenA = "token-a";        // org A, every scope
inline constexpr std::string_view kTokenAReadOnly = "token-a-ro";
inline constexpr std::string_view kTokenAWrite = "token-a-w"; // read + write, no admin
inline constexpr std::string_view kTokenB = "token-b";        // org B, every scope

class FakeTokens final : public TokenAuthority {
 public:
  std::optional<Caller> authenticate_token(std::string_view token) const override;
};

// An answer in either format, reduced to what tests compare.
struct Answer {
  int error = -1;
  std::string error_text;
  bool xml = false;
};

class AltcraftTest : public ::testing::Test {
 protected:
  AltcraftTest() : AltcraftTest(ledger::LedgerOptions{}, nullptr) {}
  AltcraftTest(ledger::LedgerOptions options, ledger::EventSink* sink);
  void SetUp() override;

  // One handler call. `body` is sent as given; its content type follows its first byte.
  // `header_caller`: a caller the HTTP layer already authenticated (none by default).
  Reply call(Handler h, std::string_view body, const Caller* header_caller = nullptr,
             std::string_view authorization = {}, std::string_view target = "/api/v1.1/promocodes");

  // A JSON body: `fields` is the inside of the object, `token` added first when not empty.
  static std::string json(std::string_view fields, std::string_view token = kTokenA);
  // An XML body: `elements` inside <xml>, <token> first when not empty.
  static std::string xml(std::string_view elements, std::string_view token = kTokenA);

  // The envelope's error and error_text (fails the test when the body is not valid, or when
  // the HTTP status is not the one docs/api.md documents for that error number).
  Answer answer(const Reply& r);
  int error(const Reply& r) { return answer(r).error; }
  // The JSON body parsed; valid until the next parse.
  dom::element parse(const Reply& r);
  dom::element data(const Reply& r) { return parse(r)["data"].value(); }
  // The XML body's <data> element; valid until the next xml_data call.
  pugi::xml_node xml_data(const Reply& r);

  // A code-linked promotion in `org` holding `codes`; returns its number (loyalty_id).
  std::uint32_t make_program(ledger::OrgId org, std::vector<std::string> codes,
                             std::uint32_t per_code_max = 1, std::string name = {});
  ledger::ObjectId program_id(ledger::OrgId org, std::uint32_t number);
  // Org A's program 1 without an end (its codes' own ends then apply alone).
  void extend_program_without_end();
  // The code as the ledger sees it in org A (or `org`).
  ledger::CodeView code_view(std::string_view code, ledger::OrgId org = kOrgA);
  // Links `code` to `customer` directly in the ledger (setup, not under test).
  void link(std::string_view code, ledger::CustomerId customer, ledger::OrgId org = kOrgA);
  // Redeems one use of `code` (org A) for `customer` directly in the ledger (setup).
  void redeem(std::string_view code, ledger::CustomerId customer, std::string txn);
  ledger::Op admin_op(ledger::OrgId org);

  std::unique_ptr<ledger::Ledger> ledger_;
  FakeTokens tokens_;
  bool with_tokens_ = true;  // false: the context has no TokenAuthority (a wiring fault)
  ledger::TimeMs now_ = kNow;
  std::uint32_t program_ = 0;  // org A's program 1 holding AAA111, AAA222, AAA333

 private:
  dom::parser parser_;
  std::string last_body_;
  pugi::xml_document xml_doc_;
};

// An import limit of two codes a call: codes beyond it are discarded and counted.
class SmallImportLimitTest : public AltcraftTest {
 protected:
  static ledger::LedgerOptions small() {
    ledger::LedgerOptions o;
    o.limits.codes_per_call_max = 2;
    return o;
  }
  SmallImportLimitTest() : AltcraftTest(small(), nullptr) {}
};

}  // namespace codeledger::server::altcraft::testing
