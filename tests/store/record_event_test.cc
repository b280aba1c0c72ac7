// decode_record: the one way the server's recovery and ledgerctl turn a data record into an
// event, with the record's framing checked against the event it holds (probe 34a).
#include "server/store/record_event.h"

#include <gtest/gtest.h>

#include "ledger/events.h"
#include "wal/format.h"

namespace codeledger::store {
namespace {

struct Framed {
  std::string payload;
  wal::RecordRef rec;
};

// A code_linked event at lsn 7, time 1000, in a record that agrees with it.
Framed linked_record() {
  ledger::Event e;
  e.header = {7, 1000, 1, "key", ledger::Dialect::kCapillary};
  ledger::CodeLinked linked;
  linked.code = *ledger::CodeKey::make("CODE100007");
  linked.customer = 42;
  e.body = linked;
  Framed f;
  ledger::encode_event(e, f.payload);
  f.rec = {7, 1000, wal::format::kRecordTypeData, {}, "wal-0000000000000001.log", 28};
  return f;
}

std::string refusal(const Framed& f) {
  wal::RecordRef rec = f.rec;
  rec.payload = f.payload;
  auto e = decode_record(rec, "DIR/" + std::string(rec.file));
  EXPECT_FALSE(e.ok());
  return e.ok() ? std::string() : e.status().message();
}

TEST(DecodeRecord, ARecordThatAgreesWithItsEventDecodes) {
  Framed f = linked_record();
  f.rec.payload = f.payload;
  auto e = decode_record(f.rec, "x");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->header.lsn, 7u);
  EXPECT_EQ(std::get<ledger::CodeLinked>(e->body).customer, 42u);
}

TEST(DecodeRecord, ATypeTheStoreNeverWritesIsRefused) {
  for (const std::uint8_t type : {2, 127, 200}) {
    Framed f = linked_record();
    f.rec.type = type;
    EXPECT_EQ(refusal(f), "record lsn 7 in DIR/wal-0000000000000001.log at offset 28 has type " +
                              std::to_string(type) + ", not the data type 1");
  }
}

TEST(DecodeRecord, AnEventWhoseLsnOrTimeIsNotItsRecordsIsRefused) {
  Framed other_lsn = linked_record();
  other_lsn.rec.lsn = 8;
  EXPECT_EQ(refusal(other_lsn),
            "record lsn 8 in DIR/wal-0000000000000001.log at offset 28 carries event lsn 7");
  Framed other_time = linked_record();
  other_time.rec.time_ms = 1001;
  EXPECT_EQ(refusal(other_time), "record lsn 7 in DIR/wal-0000000000000001.log at offset 28 "
                                 "has time 1001 but carries event time 1000");
}

TEST(DecodeRecord, APayloadThatDoesNotDecodeIsRefused) {
  Framed f = linked_record();
  f.payload += "x";  // trailing bytes
  const std::string why = refusal(f);
  EXPECT_EQ(why.rfind("record lsn 7 in DIR/wal-0000000000000001.log at offset 28 does not decode: ", 0),
            0u)
      << why;
}

}  // namespace
}  // namespace codeledger::store
