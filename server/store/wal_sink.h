// The ledger's EventSink over the WAL: stage() runs inside the ledger's critical section,
// so it only appends into the writer's staging buffer. The LSN is assigned inside the
// append callback and written into the event there, so log order equals LSN order.
#pragma once

#include <atomic>

#include "ledger/events.h"
#include "wal/writer.h"

namespace codeledger::store {

class WalSink final : public ledger::EventSink {
 public:
  // Set once recovery is done; before that, commands are refused.
  void attach(wal::WalWriter* writer) { writer_.store(writer, std::memory_order_release); }

  Status stage(ledger::Event& event) override {
    wal::WalWriter* w = writer_.load(std::memory_order_acquire);
    if (w == nullptr) return Status(ErrorCode::kStorageUnavailable, "store is not open");
    auto lsn = w->append(wal::format::kRecordTypeData, event.header.time_ms,
                         [&event](std::uint64_t assigned, std::int64_t time_ms, std::string& out) {
                           event.header.lsn = assigned;
                           event.header.time_ms = time_ms;  // never before the previous record's
                           ledger::encode_event(event, out);
                         });
    if (!lsn.ok()) return Status(ErrorCode::kStorageUnavailable, lsn.status().message());
    return Status::Ok();
  }

 private:
  std::atomic<wal::WalWriter*> writer_{nullptr};
};

}  // namespace codeledger::store
