// An event sink whose storage can be made to fail: while `healthy` is false every event is
// refused with 503, as the WAL refuses writes after a failed fsync (sticky until restart).
#pragma once

#include "ledger/events.h"

namespace codeledger::testing {

class BrokenSink final : public ledger::EventSink {
 public:
  Status stage(ledger::Event& e) override {
    if (healthy) {
      e.header.lsn = ++lsn;
      return Status::Ok();
    }
    return Status(ErrorCode::kStorageUnavailable, "storage failed: writes refused until restart");
  }
  bool healthy = true;
  ledger::Lsn lsn = 0;
};

}  // namespace codeledger::testing
