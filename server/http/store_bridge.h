// The HTTP layer's view of the store: responses wait on the WAL's durable LSN, and the health
// endpoints report a sticky storage failure. Constructed after Store::open, so recovery is
// done by the time the server can ask whether it is ready.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <utility>

#include "server/http/gates.h"
#include "server/http/metrics.h"
#include "server/store/store.h"

namespace codeledger::server {

class StoreBridge final : public DurabilityGate, public HealthProbe {
 public:
  explicit StoreBridge(store::Store& store) : store_(store) {}

  // Store::on_durable answers ok after the fsync (sync) or at once (async, none), and an
  // error once the log has failed: that answer must not reach the client.
  void when_durable(ledger::Lsn lsn, DurableCallback done) override {
    store_.on_durable(lsn, [done = std::move(done)](const Status& st) { done(st.ok()); });
  }
  ledger::Lsn durable_lsn() const override { return store_.durable_lsn(); }
  bool acks_at_once() const override {
    return !store_.waits_for_disk() && store_.healthy();
  }
  bool wants_idle_hints() const override { return store_.waits_for_disk(); }
  void io_threads(unsigned n) override { store_.track_producers(n); }
  void io_idle() override { store_.producer_idle(); }
  void io_busy() override { store_.producer_busy(); }

  std::optional<std::string> storage_failure() const override {
    if (store_.healthy()) return std::nullopt;
    return store_.failure().message();
  }

 private:
  store::Store& store_;
};

// The store's figures on GET /metrics. Read at scrape time from Store::stats() and
// durable_lsn(), nothing on the hot path.
class StoreMetrics final : public MetricsSource {
 public:
  explicit StoreMetrics(const store::Store& store) : store_(store) {}

  void append_metrics(std::string& out) const override {
    const store::StoreStats st = store_.stats();
    const std::uint64_t durable = store_.durable_lsn();
    const auto counter = [&](std::string_view name, std::string_view help, std::uint64_t v) {
      prom::family(out, name, "counter", help);
      prom::sample(out, name, "", v);
    };
    const auto gauge = [&](std::string_view name, std::string_view help, std::uint64_t v) {
      prom::family(out, name, "gauge", help);
      prom::sample(out, name, "", v);
    };
    counter("codeledger_wal_batches_total", "Group-commit batches written.", st.wal.batches);
    counter("codeledger_wal_group_commit_waits_total",
            "Sync batches that waited for more records (durability.group_commit_*).",
            st.wal.group_commit_waits);
    counter("codeledger_wal_group_commit_spacings_total",
            "Sync batches held back until durability.group_commit_spacing_us after the last fdatasync began.",
            st.wal.group_commit_spacings);
    counter("codeledger_wal_records_total", "WAL records written (records / batches = mean batch size).",
            st.wal.records);
    counter("codeledger_wal_bytes_total", "WAL bytes written.", st.wal.bytes);
    counter("codeledger_wal_fsyncs_total", "fdatasync calls on WAL segments.", st.wal.fsyncs);
    counter("codeledger_wal_segments_created_total", "WAL segments created.", st.wal.segments_created);
    gauge("codeledger_wal_durable_lsn", "Highest LSN known to be on disk.", durable);
    counter("codeledger_snapshots_written_total", "Snapshots written.", st.snapshots_written);
    gauge("codeledger_snapshot_lsn", "LSN covered by the newest snapshot.", st.last_snapshot_lsn);
    gauge("codeledger_snapshot_age_records",
          "Records a restart would replay after the newest snapshot (durable LSN - snapshot LSN).",
          durable >= st.last_snapshot_lsn ? durable - st.last_snapshot_lsn : 0);
    prom::family(out, "codeledger_snapshot_age_seconds", "gauge",
                 "Seconds since the newest snapshot was written (since start when there is none).");
    prom::sample(out, "codeledger_snapshot_age_seconds", "", static_cast<double>(st.snapshot_age_ms) / 1e3);
    gauge("codeledger_snapshot_last_build_ms", "Milliseconds the last snapshot build took.",
          static_cast<std::uint64_t>(st.last_snapshot_build_ms));
    counter("codeledger_snapshot_failures_total",
            "Snapshot attempts that failed (the reason is on stderr).", st.snapshot_failures);
    gauge("codeledger_snapshot_failing",
          "1 while the newest snapshot attempt failed, 0 once one succeeds.",
          st.last_snapshot_error.empty() ? 0 : 1);
    counter("codeledger_wal_zero_fill_failures_total",
            "Background zero fills of the next WAL segment that failed: the log fails at its "
            "next rotation unless restarted with disk space free.",
            st.wal.zero_fill_failures);
    counter("codeledger_ledger_prefault_fills_total",
            "Times the ledger-prefault thread faulted record memory in ahead of the requests.",
            st.prefault_fills);
    histogram(out, "codeledger_wal_fsync_seconds", "fdatasync latency of WAL batches.", st.wal.fsync_us,
              1e-6);
    histogram(out, "codeledger_wal_batch_records", "Records per group-commit batch.",
              st.wal.batch_records, 1);
    gauge("codeledger_storage_healthy", "1 while the store accepts writes, 0 after a sticky failure.",
          store_.healthy() ? 1 : 0);
  }

 private:
  // A WAL histogram in Prometheus units: bounds and sum multiplied by scale.
  template <typename Histogram>
  static void histogram(std::string& out, std::string_view name, std::string_view help,
                        const Histogram& h, double scale) {
    std::array<double, Histogram::bounds.size()> bounds{};
    for (std::size_t i = 0; i < bounds.size(); ++i) bounds[i] = static_cast<double>(Histogram::bounds[i]) * scale;
    prom::family(out, name, "histogram", help);
    prom::histogram(out, name, "", bounds, h.counts, static_cast<double>(h.sum) * scale);
  }

  const store::Store& store_;
};

}  // namespace codeledger::server
