// Which events touched one code, and what each did to it. Fed every event in LSN order
// (also those not shown), because some answers need earlier ones: a reversal names only the
// customer and transaction, an unlink does not repeat the customer, and a code's mode comes
// from its promotion.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ledger/events.h"

namespace codeledger::tools {

struct CodeTarget {
  std::string code;
  std::optional<ledger::OrgId> org;
  std::optional<ledger::Mode> mode;
};

// What one event did to the code in one mode. A code name can exist in both modes (they are
// two codes), so one event can touch it twice: a redemption or reversal naming both.
struct CodeTouch {
  std::optional<ledger::Mode> mode;  // none: an import whose promotion predates the log
  std::string change;                // "linked", "redeemed", ... (history's column)
  std::string detail;                // the rest, for people
  ledger::CustomerId customer = 0;
};

class CodeTracker {
 public:
  explicit CodeTracker(CodeTarget target) : target_(std::move(target)) {}
  // Empty when the event did not touch the code (in the target's org and mode); at most one
  // touch per mode, in the order the event names the modes.
  std::vector<CodeTouch> observe(const ledger::Event& event);

 private:
  struct Promotion {
    ledger::Mode mode = ledger::Mode::kDiscount;
    std::string name;
  };
  using PromoKey = std::pair<ledger::OrgId, std::string>;   // org, promotion id hex
  using CodeSlot = std::pair<ledger::OrgId, ledger::Mode>;  // where the code lives
  using TxnKey = std::tuple<ledger::OrgId, ledger::CustomerId, std::string>;

  // What one redemption did to the code in one mode.
  struct Use {
    ledger::Mode mode;
    std::int64_t discount = 0;  // its items' discounts, summed
    std::uint64_t uses = 0;     // its items' counts, summed
  };

  bool wanted(ledger::OrgId org, std::optional<ledger::Mode> mode) const;
  bool is_target(const ledger::CodeKey& code) const { return code.view() == target_.code; }
  std::vector<Use> uses_in(ledger::OrgId org, const ledger::RedemptionView& r) const;
  std::vector<CodeTouch> on_added(ledger::OrgId org, const ledger::CodesAdded& e);
  std::vector<CodeTouch> on_updated(ledger::OrgId org, const ledger::CodeUpdated& e);
  std::vector<CodeTouch> on_redeemed(ledger::OrgId org, const ledger::Redeemed& e);
  std::vector<CodeTouch> on_reversed(ledger::OrgId org, const ledger::RedemptionReversed& e);

  CodeTarget target_;
  std::map<PromoKey, Promotion> promotions_;
  std::map<CodeSlot, ledger::CustomerId> linked_;
  std::map<TxnKey, std::vector<ledger::Mode>> redeemed_modes_;  // transactions that redeemed it
};

}  // namespace codeledger::tools
