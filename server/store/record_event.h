// The one way a data record becomes a ledger event, for the server's recovery and every
// ledgerctl reader alike (probe 34a found four readers with four sets of checks: `wal dump`
// printed an event whose LSN was not its record's, and a record of a type the store never
// writes was applied).
#pragma once

#include <string>

#include "ledger/events.h"
#include "wal/reader.h"

namespace codeledger::store {

// The event `rec` holds, or what is wrong with it: a type other than the store's data type,
// a payload that does not decode, or an event whose LSN or time is not the record's (the
// store writes both from one value, so a difference is damage, not a clock). The message
// names the record's LSN, `file_shown` (the segment as the caller names it) and offset.
Result<ledger::Event> decode_record(const wal::RecordRef& rec, const std::string& file_shown);

}  // namespace codeledger::store
