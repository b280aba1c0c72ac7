// A code's use summary: how many uses it has had (items naming it, reversed uses too), the
// oldest use that still stands, and the highest activate key number among its uses
// (activate_key.h). It rides on the code's newest RedemptionLink (internal.h), kept up to
// date by every redeem and reversal and rebuilt by a snapshot load, so that Altcraft's get
// and activate read it in O(1) (Ledger::get_code_uses) instead of building the code's whole
// history (probe 36a: 113-119 ms a call at 200,000 uses). Every function here needs the
// code's shard locked.
#pragma once

#include <string_view>

#include "ledger/internal.h"

namespace codeledger::ledger::detail {

// Appends a use of code r to its chain in shard s: the chain both ways, the uses count and
// the highest activate key, carried forward from the newest use. The caller sets the new
// link's redemption and first standing use (add_use; a snapshot load, later).
RedemptionLink& append_use(Shard& s, CodeRecord& r, std::string_view transaction_identifier);

// Applies a redemption's use of code r: the new newest link carries the summary forward,
// and is the first standing use itself when no earlier use stands.
void add_use(Shard& s, CodeRecord& r, const StoredRedemption& redemption);

// After `reversed` (a redemption naming code r) was marked reversed: when it held the
// code's first standing use, that moves on to the next newer use that stands. Walks only
// the reversed uses in between, each of which it passes once for good: O(1) amortised.
void note_reversal(Shard& s, const CodeRecord& r, const StoredRedemption& reversed);

// The first standing use found by walking the whole chain, for a snapshot load: its links
// arrive before the redemptions that say which uses are reversed.
void restate_first_standing(Shard& s, const CodeRecord& r);

// Takes code r's uses of `redemption` out of its chain and states the summary afresh from the
// uses left: a log naming one transaction twice rewrote the record, whose earlier items are
// no longer uses (the ones it names now are added as new uses). O(the code's uses); replay
// only, never a live command.
void drop_uses(Shard& s, CodeRecord& r, const StoredRedemption& redemption);

}  // namespace codeledger::ledger::detail
