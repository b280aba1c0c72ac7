#include "server/store/record_event.h"

#include "wal/format.h"

namespace codeledger::store {

Result<ledger::Event> decode_record(const wal::RecordRef& rec, const std::string& file_shown) {
  const auto refuse = [&](const std::string& what) {
    return Status(ErrorCode::kInternal, "record lsn " + std::to_string(rec.lsn) + " in " +
                                            file_shown + " at offset " +
                                            std::to_string(rec.offset) + " " + what);
  };
  if (rec.type != wal::format::kRecordTypeData) {
    return refuse("has type " + std::to_string(rec.type) + ", not the data type " +
                  std::to_string(wal::format::kRecordTypeData));
  }
  auto event = ledger::decode_event(rec.payload);
  if (!event.ok()) return refuse("does not decode: " + event.status().message());
  if (event->header.lsn != rec.lsn) {
    return refuse("carries event lsn " + std::to_string(event->header.lsn));
  }
  if (event->header.time_ms != rec.time_ms) {
    return refuse("has time " + std::to_string(rec.time_ms) + " but carries event time " +
                  std::to_string(event->header.time_ms));
  }
  return event;
}

}  // namespace codeledger::store
