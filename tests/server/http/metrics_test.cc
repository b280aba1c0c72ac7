// GET /metrics: the HTTP families over a real socket (requests by route and status, latency
// histogram, auth failures, rate-limited requests by key, connections, per-organisation
// ledger figures) and the store's families (WAL fsync latency and batch-size histograms,
// durable LSN, snapshot age in seconds, ledger prefault fills) rendered from a real store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "server/http/store_bridge.h"
#include "tests/store/store_test_util.h"
#include "tests/support/metrics_text.h"
#include "tests/support/test_server.h"

namespace codeledger::testing {
namespace {

using server::Reply;
using server::RequestContext;
using server::Route;
using server::Scope;

std::vector<Route> routes() {
  return {{http::verb::get, "/t/ok", [](RequestContext&) { return Reply{}; }, Scope::kRead}};
}

TEST(Metrics, HttpFamiliesCountRoutesStatusesAuthFailuresAndRateLimits) {
  TestServer srv(routes(), TestServer::alice_limited(60, 3));
  HttpClient c = srv.client();
  const Headers alice = TestServer::auth_headers(kAliceRw);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(c.get("/t/ok", alice).result_int(), 200);
  ASSERT_EQ(c.get("/t/ok", alice).result_int(), 429);
  ASSERT_EQ(c.get("/t/ok", {{"Authorization", basic_auth("alice-rw", "wrong")}}).result_int(), 401);
  ASSERT_EQ(c.get("/no/such/path", alice).result_int(), 404);

  auto r = c.get("/metrics");
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& m = r.body();
  EXPECT_EQ(sample_value(m, R"(codeledger_http_requests_total{route="GET /t/ok",status="200"})"), 3);
  EXPECT_EQ(sample_value(m, R"(codeledger_http_requests_total{route="GET /t/ok",status="429"})"), 1);
  EXPECT_EQ(sample_value(m, R"(codeledger_http_requests_total{route="unmatched",status="404"})"), 1);
  EXPECT_EQ(sample_value(m, R"(codeledger_http_request_duration_seconds_bucket{route="GET /t/ok",le="+Inf"})"),
            5);
  EXPECT_EQ(sample_value(m, R"(codeledger_http_request_duration_seconds_count{route="GET /t/ok"})"), 5);
  EXPECT_GT(sample_value(m, R"(codeledger_http_request_duration_seconds_sum{route="GET /t/ok"})"), 0);
  EXPECT_EQ(sample_value(m, "codeledger_auth_failures_total"), 1);
  EXPECT_EQ(sample_value(m, R"(codeledger_rate_limited_requests_total{key="alice-rw"})"), 1);
  EXPECT_EQ(sample_value(m, "codeledger_http_connections_open"), 1);
  EXPECT_EQ(sample_value(m, R"(codeledger_ledger_codes{org="7001"})"), 0);
  // The test server runs in this process: its resident memory is ours, read the same way.
  std::ifstream statm("/proc/self/statm");
  double total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  const double ours = resident_pages * static_cast<double>(::sysconf(_SC_PAGESIZE));
  const double reported = sample_value(m, "process_resident_memory_bytes");
  EXPECT_GT(reported, 1 << 20);
  EXPECT_NEAR(reported, ours, ours * 0.25);
}

// Every status the server answers with has its own label; "other" is for none of them
// (POST /admin/snapshot's 202 was counted as "other").
TEST(Metrics, EachStatusTheServerAnswersWithIsCountedByItsNumber) {
  server::HttpMetrics metrics({"POST /admin/snapshot", "unmatched"});
  metrics.record(0, 202, 1'000);
  metrics.record(1, 417, 1'000);
  metrics.record(1, 418, 1'000);
  std::string m;
  metrics.append(m);
  EXPECT_EQ(sample_value(m, R"(codeledger_http_requests_total{route="POST /admin/snapshot",status="202"})"), 1) << m;
  EXPECT_EQ(sample_value(m, R"(codeledger_http_requests_total{route="unmatched",status="417"})"), 1) << m;
  EXPECT_EQ(sample_value(m, R"(codeledger_http_requests_total{route="unmatched",status="other"})"), 1) << m;
}

TEST(Metrics, StoreFamiliesShowFsyncLatencyBatchSizesAndSnapshotAgeInSeconds) {
  wal::FaultFs fs;
  std::atomic<std::int64_t> now{1'700'000'000'000};
  store::StoreOptions so = store::testing::options_on(fs);
  so.clock_ms = [&] { return now.load(); };
  auto opened = store::Store::open(std::move(so));
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  store::Store& st = **opened;
  store::testing::Workload w(3);
  ASSERT_EQ(w.run(st, 30), 30);
  const server::StoreMetrics metrics(st);
  // The workload's first redemption woke the ledger-prefault thread; one fill then covers
  // the rest of this small workload, so the count is settled once it is 1.
  store::testing::wait_for_first_prefault_fill(st);

  now += 90'000;  // no snapshot yet: the age counts from the store's start
  std::string m;
  metrics.append_metrics(m);
  const store::StoreStats s = st.stats();
  ASSERT_GT(s.wal.fsyncs, 0u);
  EXPECT_EQ(sample_value(m, "codeledger_wal_fsync_seconds_count"), s.wal.fsyncs);
  EXPECT_EQ(sample_value(m, R"(codeledger_wal_fsync_seconds_bucket{le="+Inf"})"), s.wal.fsyncs);
  EXPECT_EQ(sample_value(m, "codeledger_wal_batch_records_count"), s.wal.batches);
  EXPECT_EQ(sample_value(m, "codeledger_wal_batch_records_sum"), s.wal.records);
  // One writer that waits for each command's fsync before the next: one record per batch.
  EXPECT_EQ(sample_value(m, R"(codeledger_wal_batch_records_bucket{le="1"})"), s.wal.batches);
  // ... and so no batch followed one of several records: none waited for more.
  EXPECT_EQ(sample_value(m, "codeledger_wal_group_commit_waits_total"), 0);
  // ... nor found a record staged while the last one synced: none was spaced.
  EXPECT_EQ(sample_value(m, "codeledger_wal_group_commit_spacings_total"), 0);
  EXPECT_EQ(sample_value(m, "codeledger_wal_durable_lsn"), st.durable_lsn());
  EXPECT_EQ(sample_value(m, "codeledger_snapshot_age_seconds"), 90);
  EXPECT_EQ(sample_value(m, "codeledger_ledger_prefault_fills_total"), 1);

  ASSERT_TRUE(st.snapshot_now().ok());
  now += 5'500;
  m.clear();
  metrics.append_metrics(m);
  EXPECT_EQ(sample_value(m, "codeledger_snapshot_age_seconds"), 5.5);
  EXPECT_EQ(sample_value(m, "codeledger_snapshot_lsn"), st.durable_lsn());
  EXPECT_EQ(sample_value(m, "codeledger_snapshots_written_total"), 1);
}

// The failures that leave health at 200 (docs/operations.md, "Health") show on /metrics: a
// failed snapshot until one succeeds, and a failed background zero fill of the next segment.
TEST(Metrics, StoreFamiliesShowSnapshotAndZeroFillFailures) {
  wal::FaultFs fs;
  store::StoreOptions so = store::testing::options_on(fs);
  so.log = [](const std::string&) {};
  // Piece 1 is open()'s small first segment; piece 2 the next one's background fill.
  fs.inject({wal::FaultOp::kZeroFill, 2, false});
  auto opened = store::Store::open(std::move(so));
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  store::Store& st = **opened;
  store::testing::Workload w(5);
  ASSERT_EQ(w.run(st, 10), 10);
  const server::StoreMetrics metrics(st);
  auto scrape = [&] {
    std::string m;
    metrics.append_metrics(m);
    return m;
  };
  for (int i = 0; i < 1000 && st.stats().wal.zero_fill_failures == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string m = scrape();
  EXPECT_EQ(sample_value(m, "codeledger_wal_zero_fill_failures_total"), 1) << m;
  EXPECT_EQ(sample_value(m, "codeledger_snapshot_failing"), 0);
  EXPECT_EQ(sample_value(m, "codeledger_snapshot_failures_total"), 0);

  fs.inject({wal::FaultOp::kRename, 1, false});  // the snapshot's rename into place
  ASSERT_FALSE(st.snapshot_now().ok());
  m = scrape();
  EXPECT_EQ(sample_value(m, "codeledger_snapshot_failing"), 1) << m;
  EXPECT_EQ(sample_value(m, "codeledger_snapshot_failures_total"), 1);
  ASSERT_TRUE(st.snapshot_now().ok());
  m = scrape();
  EXPECT_EQ(sample_value(m, "codeledger_snapshot_failing"), 0) << m;
  EXPECT_EQ(sample_value(m, "codeledger_snapshot_failures_total"), 1);
}

}  // namespace
}  // namespace codeledger::testing
