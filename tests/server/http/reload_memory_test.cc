// Reloads free the key and limit tables they replace, while lock-free readers race them.
// Every reload used to keep the old tables until the process ended: about 685 B per key per
// reload, 6.5 MiB per reload at 10,000 keys (probe 36a). The grace period that makes freeing
// safe is read_section.h's; these tests also run under ./dev tsan, and under the sanitizers
// a reader touching a freed table is a heap-use-after-free report.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// The sanitizers' runtime has it (sanitizer/allocator_interface.h, not installed with GCC 12).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

#include "server/http/auth.h"
#include "server/http/rate_limit.h"
#include "server/http/read_section.h"
#include "tests/support/test_server.h"

namespace codeledger::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kKeys = 10'000;
constexpr int kReloads = 20;
// Less than one table of kKeys keys (each at least 150 B a key): twenty reloads that kept
// their old tables grow the heap by twenty tables.
constexpr std::size_t kGrowthBytesMax = 1 << 20;

// Bytes the heap has handed out and not had back, whichever allocator the build runs on.
std::size_t heap_bytes_in_use() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;  // small chunks in every arena, and mmap'd ones
#endif
}

// `n` keys named prefix0, prefix1, ... in kOrgA at `per_minute`. One fixed salt and hash: a
// reload does not check secrets.
std::vector<server::ApiKeyConfig> many_keys(std::size_t n, const std::string& prefix,
                                            std::uint32_t per_minute) {
  std::vector<server::ApiKeyConfig> keys;
  keys.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    server::ApiKeyConfig k;
    k.name = prefix + std::to_string(i);
    k.org = kOrgA;
    k.scopes = 1;
    k.salt_hex = "00112233445566778899aabbccddeeff";
    k.secret_sha256_hex = std::string(64, 'a');
    k.rate_limit_per_minute = per_minute;
    keys.push_back(std::move(k));
  }
  return keys;
}

server::Config config_with_many_keys(std::uint32_t per_minute) {
  server::Config c = test_config();
  auto more = many_keys(kKeys, "k", per_minute);
  c.api_keys.insert(c.api_keys.end(), more.begin(), more.end());
  return c;
}

// Heap growth over kReloads calls of `reload` after a first one (which may leave the heap
// with a table more than construction did).
template <class Reload>
std::ptrdiff_t growth_over_reloads(Reload&& reload) {
  reload(0);
  const std::size_t before = heap_bytes_in_use();
  for (int i = 1; i <= kReloads; ++i) reload(i);
  return static_cast<std::ptrdiff_t>(heap_bytes_in_use()) - static_cast<std::ptrdiff_t>(before);
}

TEST(ReloadMemory, AuthKeyReloadsFreeTheTablesTheyReplace) {
  const server::Config c = config_with_many_keys(1'000);
  server::Auth auth(c);
  const auto growth = growth_over_reloads([&](int) { auth.reload_keys(c); });
  EXPECT_LT(growth, static_cast<std::ptrdiff_t>(kGrowthBytesMax))
      << kReloads << " reloads of " << kKeys << " keys kept " << growth << " bytes";
  EXPECT_TRUE(auth.check_key(kAliceRw.name, server::md5_hex(kAliceRw.password)));
}

TEST(ReloadMemory, RateLimitReloadsFreeTheTablesTheyReplace) {
  const server::Config c = config_with_many_keys(1'000);
  server::RateLimiter limiter(c.api_keys, {});
  // Alternating rates: the cells are restated and the policy texts shared, not made anew.
  const server::Config other = config_with_many_keys(2'000);
  const auto growth = growth_over_reloads([&](int i) { limiter.reload((i % 2 ? other : c).api_keys); });
  EXPECT_LT(growth, static_cast<std::ptrdiff_t>(kGrowthBytesMax))
      << kReloads << " reloads of " << kKeys << " keys kept " << growth << " bytes";
  EXPECT_EQ(limiter.admit_key("k7").policy, "\"default\";q=1000;w=60");
}

// What SIGHUP and POST /admin/reload do: three table swaps each (limits, keys, limits).
TEST(ReloadMemory, ServerReloadsFreeTheTablesTheyReplace) {
  TestServer srv;
  const server::Config c = config_with_many_keys(1'000);
  const auto growth = growth_over_reloads([&](int) { ASSERT_TRUE(srv.server().reload(c).ok()); });
  EXPECT_LT(growth, static_cast<std::ptrdiff_t>(2 * kGrowthBytesMax))
      << kReloads << " reloads of " << kKeys << " keys kept " << growth << " bytes";
  HttpClient client = srv.client();
  const auto metrics = client.get("/metrics");
  EXPECT_NE(metrics.body().find("key=\"k9999\""), std::string::npos) << "the keys in force";
}

// A key that stays authenticates, is limited and issues working tokens through every
// reload, while keys that come and go change the table under the readers each time.
TEST(ReloadMemory, ReadersRacingReloadsOnlyEverReadALiveTable) {
  server::Config even = test_config(), odd = test_config();
  // Room for every token the readers issue between two reloads: none is evicted between its
  // issue and its use (each reload walks the tokens kept).
  even.tokens_max = odd.tokens_max = 10'000;
  for (auto& k : many_keys(500, "even", 600)) even.api_keys.push_back(k);
  for (auto& k : many_keys(500, "odd", 1'200)) odd.api_keys.push_back(k);
  server::Auth auth(even);
  server::RateLimiter limiter(even.api_keys, {});
  const std::string md5 = server::md5_hex(kAliceRw.password);
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::atomic<long> reads{0};
  const auto read_until_stopped = [&] {
    std::string metrics;
    while (!stop.load(std::memory_order_relaxed)) {
      if (!auth.check_key(kAliceRw.name, md5)) ++wrong;
      const auto token = auth.generate_token(kAliceRw.name, md5, [&](const server::Caller& c) {
        return limiter.admit_key(c.key_name).limited;
      });
      if (!token || !auth.authenticate_token(token->access_token)) ++wrong;
      auth.check_key("even7", md5);  // present in every other table
      if (!limiter.admit_key("alice-rw").limited) ++wrong;
      limiter.admit_key("odd7");
      metrics.clear();
      if (reads.fetch_add(1, std::memory_order_relaxed) % 64 == 0) limiter.append_metrics(metrics);
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back(read_until_stopped);
  for (int i = 0; i < 60; ++i) {
    const server::Config& next = i % 2 ? even : odd;
    limiter.reload(next.api_keys);
    auth.reload_keys(next);
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

// The grace period itself: a writer returns only once the sections open when it was
// called have ended, nested ones included.
TEST(ReadSection, AWriterWaitsForTheSectionsOpenWhenItWasCalled) {
  std::promise<void> opened, may_close;
  std::thread reader([&] {
    const server::ReadSection outer;
    { const server::ReadSection inner; }
    EXPECT_TRUE(server::inside_read_section()) << "the inner section's end closed the outer";
    opened.set_value();
    may_close.get_future().wait();
  });
  opened.get_future().wait();
  std::atomic<bool> returned{false};
  std::thread writer([&] {
    server::wait_for_readers();
    returned = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(returned.load()) << "returned while a reader was still in its section";
  may_close.set_value();
  writer.join();
  reader.join();
  EXPECT_TRUE(returned.load());
  EXPECT_FALSE(server::inside_read_section());
}

// A thread that never stops reading ends each section it opens: writers wait for the one
// they saw, not for the thread to fall silent.
TEST(ReadSection, AThreadThatKeepsReadingDoesNotHoldWritersOff) {
  std::atomic<bool> stop{false};
  std::atomic<long> sections{0};
  std::thread reader([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      const server::ReadSection section;
      sections.fetch_add(1, std::memory_order_relaxed);
    }
  });
  while (sections.load() == 0) std::this_thread::yield();
  for (int i = 0; i < 1'000; ++i) server::wait_for_readers();
  stop = true;
  reader.join();
  EXPECT_GT(sections.load(), 0);
}

}  // namespace
}  // namespace codeledger::testing
