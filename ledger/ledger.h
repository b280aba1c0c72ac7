// The ledger: organisations' promotions, codes, customers, wallets and redemptions, sharded
// by key hash with one mutex per shard (lock striping). Every mutating call runs
// decide -> stage(event) -> apply(event) inside the critical section of the shards it
// touches, so operations on one code are linearizable and log order equals apply order.
//
// Thread safety: every public method may be called from any thread. Promotion settings are
// read lock-free on the hot path (immutable versions published through atomics).
// Determinism: the ledger never reads a clock or a random source; time comes in Op::now_ms
// and randomness as an explicit seed.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/events.h"
#include "ledger/types.h"

namespace codeledger::ledger {

// Who acts, when, through which API. visible_lsn is an out-parameter: the highest LSN of
// any state the call read or wrote. In `sync` durability the server waits until that LSN
// is durable before it answers, so no response shows state that could still be lost.
struct Op {
  OrgId org = 0;
  std::string_view api_key;
  TimeMs now_ms = 0;
  Dialect dialect = Dialect::kCapillary;
  Lsn visible_lsn = 0;
};

// Named limits, unit last. Exceeding one is ErrorCode::kLimitExceeded (or 400) with the
// limit named in the message.
struct LedgerLimits {
  std::size_t codes_per_call_max = 10'000;         // import, get, history
  std::size_t codes_per_generate_max = 1'000'000;  // one generate call
  std::size_t codes_per_event_max = 16'384;        // generate commits in batches of this
  std::size_t customers_per_issue_max = 1'000;     // issueBulk
  std::size_t items_per_redemption_max = 20;
  std::size_t earn_ids_per_revoke_max = 1'000;
  std::size_t profiles_per_upsert_max = 1'000;
  std::size_t promotions_per_org_max = 4'096;
  std::size_t organisations_max = 1'024;
  std::size_t name_bytes_max = 128;
  std::size_t identifier_bytes_max = 128;          // transactionIdentifier, contextId, ...
  std::size_t export_page_max = 10'000;
  // Wallet entries in one wallet answer (a page; its nextCursor leads on). Built under the
  // customer's shard lock: a whole 200,005-entry wallet was 77 MB and 301 ms (probe 36a).
  std::size_t wallet_page_max = 10'000;
  // Redemption rows in one answer (history, get with its redemptions), over all its codes, a
  // row per redemption of a code however many of its items name it: a read-scope GET listing
  // a much-used code thousands of times built gigabytes (probe 36a).
  std::size_t history_rows_max = 10'000;
  // Customer profiles an organisation may hold, in profile_bytes (types.h): a profile of 64
  // custom fields took 64 KB of memory, and nothing bounded how many (probe 36a).
  std::uint64_t profile_bytes_per_org_max = 1ull << 30;
};

struct LedgerOptions {
  std::size_t shard_count = 64;  // power of two
  LedgerLimits limits;
};

struct CodeImportOptions {
  TimeMs redeemable_from_ms = 0;  // 0 = promotion's valid_from (or creation)
  TimeMs valid_till_ms = 0;       // 0 = promotion's valid_till
};

struct CodeRejection {
  std::string code;               // as given
  ErrorCode error = ErrorCode::kOk;
  std::string message;
};

// An import is all or nothing: when `rejected` is non-empty nothing was imported.
struct ImportReport {
  std::size_t imported = 0;
  std::vector<CodeRejection> rejected;
};

struct GenerateSpec {
  std::size_t count = 0;
  std::size_t length = 8;                                 // total, prefix included
  std::string prefix;                                     // uppercase alphanumeric
  std::string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // no 0/O/1/I look-alikes
  CodeImportOptions validity;
};

struct GenerateReport {
  std::size_t generated = 0;
  std::vector<std::string> sample;  // the first few codes, for the caller to show
};

struct CodePage {
  std::vector<CodeView> codes;
  std::string next_cursor;          // empty when done
};

// A code and the summary of its uses that Altcraft's get and activate read, kept up to date
// by every redeem and reversal (code_uses.h): the same figures its whole history gives.
struct CodeUses {
  CodeView code;                           // without its redemptions
  // Items naming the code over its redemptions, reversed ones too: one per history row
  // unless a redemption names the code in several items (one row, several uses).
  std::uint64_t use_count = 0;
  TimeMs first_standing_ms = kNoTime;      // redeemed_ms of the oldest not reversed; none: kNoTime
  std::uint64_t highest_activate_use = 0;  // highest N of their activate keys (activate_key.h)
};

struct RedeemRequest {
  CustomerId customer = 0;
  std::string transaction_identifier;   // idempotency key, per organisation and customer
  std::string transaction_number;
  TimeMs transaction_date_ms = 0;
  std::int64_t amount = 0;
  // The caller gave an amount: the items' discounts must not add up past it (1009). Checked
  // after the idempotency probe, so a retry gets the first result whatever its figures.
  bool amount_given = false;
  RedemptionItems items;
};

struct RedeemOutcome {
  RedemptionView redemption;
  bool replayed = false;            // same transactionIdentifier seen before: first result
};

// A page of a customer's wallet, oldest entry first.
struct WalletPage {
  std::vector<EarnedView> entries;
  std::string next_cursor;          // empty on the last page
};

struct IssueResult {
  CustomerId customer = 0;
  Result<EarnedView> earned;
};

struct EarnRevokeRequest {
  ObjectId promotion_id;
  std::vector<ObjectId> earn_ids;
};

struct RevokeResult {
  ObjectId promotion_id;
  ObjectId earn_id;
  Status status;                    // ok, 729, 730 or 731
};

enum class MatchBy : std::uint8_t { kCustomerId, kExternalId, kEmail, kPhone, kCustomField };
struct CustomerMatch {
  MatchBy by = MatchBy::kCustomerId;
  std::string value;                // the id, email, phone or custom field value
  std::string field_name;           // kCustomField only
};

struct OrgStats {
  OrgId org = 0;
  std::uint64_t codes = 0;
  std::uint64_t customers = 0;
  std::uint64_t promotions = 0;
  std::uint64_t redemptions = 0;
};

class Ledger {
 public:
  // sink may be nullptr: events are then numbered in memory and go nowhere.
  explicit Ledger(LedgerOptions options = {}, EventSink* sink = nullptr);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const LedgerOptions& options() const;

  // Organisations come from configuration, not from events.
  Status configure_org(OrgId org, const OrgSettings& settings);
  std::optional<OrgSettings> org_settings(OrgId org) const;
  // Changes an organisation's codes_max alone, while serving (a config reload): codes it
  // holds past a lowered limit stay, and only new ones are refused. kNotFound for an
  // organisation the ledger does not know.
  Status set_codes_max(OrgId org, std::uint64_t codes_max);

  // Promotions.
  Result<PromotionView> create_promotion(Op& op, const PromotionSpec& spec);
  Result<PromotionView> update_promotion(Op& op, const ObjectId& id, const PromotionPatch& patch);
  Result<PromotionView> get_promotion(Op& op, const ObjectId& id) const;
  Result<PromotionView> get_promotion_by_number(Op& op, std::uint32_t number) const;
  std::vector<PromotionView> list_promotions(Op& op) const;

  // Codes.
  Result<ImportReport> import_codes(Op& op, const ObjectId& promotion,
                                    std::span<const std::string> codes,
                                    const CodeImportOptions& options);
  Result<GenerateReport> generate_codes(Op& op, const ObjectId& promotion,
                                        const GenerateSpec& spec, std::uint64_t seed);
  Result<CodePage> export_codes(Op& op, const ObjectId& promotion, std::string_view cursor,
                                std::size_t limit) const;

  // Seed 000: link is idempotent for the same customer; 1001, 1002, 1004, 1005, 1006.
  Result<CodeView> link_code(Op& op, Mode mode, std::string_view code, CustomerId customer);
  // Seed 002 for one code: what get_codes gives for it, without the vector.
  Result<CodeView> get_code(Op& op, Mode mode, std::string_view code,
                            bool include_redemptions) const;
  // The code (without its redemptions) and its use summary: what Altcraft's get and
  // activate read of its history, in O(1) however long the history is (code_uses.h).
  Result<CodeUses> get_code_uses(Op& op, Mode mode, std::string_view code) const;
  // Seed 002: one result per requested code, in request order.
  std::vector<Result<CodeView>> get_codes(Op& op, Mode mode, std::span<const std::string> codes,
                                          bool include_redemptions) const;
  // By value: a caller that moves its request in hands the answer its items and strings
  // instead of a copy of each (no heap block on the redeem path).
  Result<RedeemOutcome> redeem(Op& op, RedeemRequest request);
  Result<RedemptionView> reverse_redemption(Op& op, CustomerId customer,
                                            std::string_view transaction_identifier);
  std::vector<Result<std::vector<RedemptionView>>> redemption_history(
      Op& op, Mode mode, std::span<const std::string> codes) const;

  // Seed 003: per-customer results; the call itself fails only for request-wide errors.
  Result<std::vector<IssueResult>> issue(Op& op, const ObjectId& promotion,
                                         std::string_view context_id,
                                         std::span<const CustomerId> customers);
  Result<std::vector<RevokeResult>> revoke_earns(Op& op, CustomerId customer,
                                                 std::span<const EarnRevokeRequest> requests);
  // The wallet a page at a time: up to `limit` entries (0, or over wallet_page_max:
  // wallet_page_max) from `cursor` (empty: the first entry), as handed out in a page's
  // next_cursor. kInvalidRequest for a cursor that names no entry of this wallet.
  Result<WalletPage> wallet(Op& op, CustomerId customer, std::string_view cursor = {},
                            std::size_t limit = 0) const;

  // Customers. Stores each customer's last entry of `profiles` and answers how many customers
  // it stored. kConflict, storing nothing, when an externalId, email or phone would belong to
  // two customers (matching must find one); the message names customers[i] of `profiles`.
  Result<std::size_t> upsert_customers(Op& op, std::span<const CustomerProfile> profiles);
  Result<CustomerProfile> find_customer(Op& op, const CustomerMatch& match) const;

  // Altcraft operations on codes.
  Result<CodeView> unlink_code(Op& op, Mode mode, std::string_view code, CustomerId customer);
  Result<CodeView> update_code(Op& op, Mode mode, std::string_view code,
                               std::optional<TimeMs> valid_till_ms, std::optional<bool> active);
  // One free (unlinked, unredeemed, active) code of the promotion, linked to the customer.
  Result<CodeView> attach_from_pool(Op& op, const ObjectId& promotion, CustomerId customer);
  // Whether a fresh code of the promotion (active, unused, no end of its own) could be linked
  // now: 404 unknown promotion, 1001 inactive, 1002 ended.
  Status check_attachable(Op& op, const ObjectId& promotion) const;
  // Altcraft's attach of a code the promotion does not hold yet: the code is added to the
  // promotion and linked to the customer under one shard lock, so no command sees it added
  // but unlinked, and a refusal (check_attachable's, or 902-905 for the text) adds nothing.
  // kConflict when the code exists already (the caller links it as found). Two log records:
  // a crash between them leaves the code added and unlinked, and the attach unanswered.
  Result<CodeView> attach_new_code(Op& op, const ObjectId& promotion, std::string_view code,
                                   CustomerId customer);

  // Replay and recovery: the same apply() live traffic uses, without a sink. Events must
  // arrive in LSN order; the ledger's last_lsn() follows them.
  Status apply(const Event& event);
  Lsn last_lsn() const;

  // Snapshot: the whole state as bytes (versioned), and back into an empty ledger.
  void encode_snapshot(std::string& out) const;
  Status decode_snapshot(std::string_view bytes);
  // Order-independent digest of the whole state, for replay-determinism tests.
  std::uint64_t state_hash() const;

  std::vector<OrgStats> stats() const;

  // Page faulting for new records off the request path (see ChunkArena): from now on a
  // command that finds too little memory faulted in ahead calls wake (quickly, from its own
  // thread: it must only signal), and the owner's helper thread answers by calling
  // prefault_memory(). Without it (or after an empty wake), commands fault the memory in
  // themselves before they lock. Call while no command runs.
  void hand_off_prefault(std::function<void()> wake);
  void prefault_memory();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace codeledger::ledger
