#include "bench/load/connection.h"

#include <algorithm>

namespace codeledger::bench {
namespace {

namespace http = boost::beast::http;
constexpr std::uint64_t kResponseBytesMax = 4 * 1024 * 1024;  // export pages are the largest
constexpr auto kReconnectDelay = std::chrono::milliseconds(100);

// The first 300 bytes of an answer for an error sample, cut at a character boundary so a
// multi-byte character is never split (the report must stay UTF-8; probe 33).
std::string_view sample_of(std::string_view body) {
  constexpr std::size_t kSampleBytesMax = 300;
  if (body.size() <= kSampleBytesMax) return body;
  std::size_t end = kSampleBytesMax;
  while (end > 0 && (static_cast<unsigned char>(body[end]) & 0xC0) == 0x80) --end;
  return body.substr(0, end);
}

std::uint64_t nanoseconds(Clock::duration d) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

boost::beast::flat_buffer http_read_buffer() {
  boost::beast::flat_buffer buffer;
  buffer.reserve(kHttpReadBytes);
  return buffer;
}

Connection::Connection(net::io_context& ioc, RunControl& run, ThreadStats& stats,
                       Workload& workload, Clock::duration slot_offset, Clock::duration interval,
                       Pacer* pacer, SharedSchedule* shared)
    : socket_(ioc),
      timer_(ioc),
      run_(run),
      stats_(stats),
      workload_(workload),
      slot_offset_(slot_offset),
      interval_(interval),
      pacer_(pacer),
      shared_(shared) {}

void Connection::start() { connect(); }

void Connection::close() {
  boost::system::error_code ignored;
  timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void Connection::connect() {
  socket_.async_connect(run_.endpoint, [self = shared_from_this()](boost::system::error_code ec) {
    self->on_connect(ec);
  });
}

void Connection::on_connect(boost::system::error_code ec) {
  if (ec) return fail(ec, "connect");
  socket_.set_option(tcp::no_delay(true), ec);
  buffer_.clear();  // keeps the capacity http_read_buffer() gave it
  redis_in_.clear();
  next();
}

void Connection::next() {
  if (run_.stop.load(std::memory_order_relaxed)) return close();
  const auto now = Clock::now();
  if (shared_ != nullptr) return shared_->ready(shared_from_this(), now);
  if (interval_ == Clock::duration::zero()) {
    intended_ = now;
    return send();
  }
  const Clock::time_point intended =
      run_.start + slot_offset_ + static_cast<std::int64_t>(slot_) * interval_;
  // This connection's next slot is past the end: it has nothing more to send, so it closes
  // now instead of sleeping into the drain and sending then (probe 34d: --rate 1 --duration 3
  // sent 7 requests and ran 6 s).
  if (intended >= run_.deadline()) return close();
  ++slot_;
  intended_ = intended;
  if (intended_ <= now) return send();  // behind schedule: send at once, latency keeps the debt
  slot_pending_ = true;
  if (pacer_ != nullptr) return pacer_->schedule(intended_, shared_from_this());
  timer_.expires_at(intended_);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->run_.stop.load(std::memory_order_relaxed)) return self->close();
    self->send();
  });
}

void Connection::on_slot(Clock::time_point intended) {
  if (run_.stop.load(std::memory_order_relaxed) || intended >= run_.deadline()) return close();
  intended_ = intended;
  send();
}

// The ticket is taken as the request goes out, not when the connection starts waiting for its
// slot: a connection asleep on its slot when another reached the cap closes unsent, and a
// ticket it had taken would have been a request never made (probe 41c: --requests 1500 on 4
// open-loop connections sent 1497).
bool Connection::take_ticket() {
  const std::uint64_t cap = run_.options.requests_max;
  if (cap == 0 || run_.issued.fetch_add(1, std::memory_order_relaxed) < cap) return true;
  run_.end_at_cap(Clock::now());
  return false;
}

void Connection::send() {
  if (!take_ticket()) return close();
  slot_pending_ = false;
  awaiting_answer_ = true;
  sent_ = Clock::now();
  op_ = workload_.next();
  workload_.render(op_, out_, wall_ms());
  net::async_write(socket_, net::buffer(out_),
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                     self->on_write(ec);
                   });
}

void Connection::on_write(boost::system::error_code ec) {
  if (ec) return fail(ec, "write");
  if (run_.plan.target == Target::kRedis) return read_redis();
  read_http();
}

void Connection::read_http() {
  parser_.emplace();
  parser_->body_limit(kResponseBytesMax);
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                     if (ec) return self->fail(ec, "read");
                     const auto& res = self->parser_->get();
                     const std::string& body = res.body();
                     self->padded_.assign(body);
                     self->padded_.resize(body.size() + simdjson::SIMDJSON_PADDING, '\0');
                     const std::string_view view(self->padded_.data(), body.size());
                     const Classified c = classify_http(res.result_int(), view, self->json_);
                     self->reconnect_ = !self->parser_->keep_alive();
                     self->finish(c, view);
                   });
}

void Connection::read_redis() {
  resp::Reply reply;
  const std::string_view have = redis_in_.data();
  const std::size_t used = resp::parse(have, &reply);
  if (used == resp::kMalformed) return fail(boost::asio::error::invalid_argument, "resp");
  if (used != 0) {
    const Classified c = classify_redis(op_.kind, reply);
    const std::string text(have.substr(0, std::min<std::size_t>(used, 200)));
    redis_in_.consume(used);
    return finish(c, text);
  }
  char* room = redis_in_.room();
  socket_.async_read_some(net::buffer(room, redis_in_.room_bytes()),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                            if (ec) return self->fail(ec, "read");
                            self->redis_in_.commit(n);
                            self->read_redis();
                          });
}

std::size_t Connection::second_of(Clock::time_point answered) const {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(answered - run_.start).count();
  return std::min<std::size_t>(static_cast<std::size_t>(std::max<std::int64_t>(0, s)),
                               stats_.per_second.size() - 1);
}

void Connection::count_error(std::size_t second, std::string sample) {
  ++stats_.errors[static_cast<std::size_t>(op_.kind)];
  ++stats_.errors_per_second[second];
  stats_.failed.fetch_add(1, std::memory_order_relaxed);
  if (stats_.error_samples.size() < kErrorSamplesMax) stats_.error_samples.push_back(std::move(sample));
}

void Connection::finish(const Classified& result, std::string_view body) {
  awaiting_answer_ = false;
  const auto now = Clock::now();
  stats_.last_answer = std::max(stats_.last_answer, now);
  const std::uint64_t latency_ns = nanoseconds(now - intended_);
  const auto op = static_cast<std::size_t>(op_.kind);
  const std::size_t second = second_of(now);
  stats_.all.record(latency_ns);
  stats_.in_flight.record(nanoseconds(now - sent_));
  stats_.send_lag.record(nanoseconds(sent_ - intended_));
  stats_.by_op[op].record(latency_ns);
  note_second(stats_, second);
  stats_.per_second[second].record(latency_ns);
  ++stats_.outcomes[op][static_cast<std::size_t>(result.outcome)];
  if (result.outcome == Outcome::kOk && op_.kind == OpKind::kRedeem) ++stats_.redeemed[op_.code];
  if (expected(run_.plan.scenario, op_.kind, result.outcome)) {
    if (result.outcome != Outcome::kOk) ++stats_.expected_rejections[op];
  } else {
    count_error(second, std::string(op_name(op_.kind)) + " " + run_.plan.codes[op_.code] + " -> " +
                            std::string(sample_of(body)));
  }
  stats_.completed.fetch_add(1, std::memory_order_relaxed);
  if (!reconnect_) return next();
  // The server asked to close (Connection: close): not an error, just a new connection.
  reconnect_ = false;
  close();
  socket_ = tcp::socket(timer_.get_executor());
  connect();
}

void Connection::account_after_run(Clock::time_point slots_end, Clock::time_point cutoff) {
  if (awaiting_answer_) {
    awaiting_answer_ = false;
    const auto op = static_cast<std::size_t>(op_.kind);
    const std::uint64_t latency_ns = nanoseconds(cutoff - intended_);
    const std::size_t second = second_of(cutoff);
    stats_.last_answer = std::max(stats_.last_answer, cutoff);
    stats_.all.record(latency_ns);
    stats_.in_flight.record(nanoseconds(cutoff - sent_));
    stats_.send_lag.record(nanoseconds(sent_ - intended_));
    stats_.by_op[op].record(latency_ns);
    stats_.per_second[second].record(latency_ns);
    ++stats_.outcomes[op][static_cast<std::size_t>(Outcome::kUnanswered)];
    count_error(second, std::string(op_name(op_.kind)) + " " + run_.plan.codes[op_.code] +
                            " -> no answer " + std::to_string(nanoseconds(cutoff - sent_) / 1'000'000) +
                            " ms after it was sent, when the run stopped waiting");
  }
  if (interval_ == Clock::duration::zero() || shared_ != nullptr) return;
  // Own slots k = first, first + 1, ... were due at start + offset + k * interval.
  const Clock::duration span = slots_end - run_.start - slot_offset_;
  if (span <= Clock::duration::zero()) return;
  const auto due = static_cast<std::uint64_t>((span + interval_ - Clock::duration(1)) / interval_);
  const std::uint64_t first_unsent = slot_pending_ ? slot_ - 1 : slot_;
  if (due > first_unsent) stats_.unsent_slots += due - first_unsent;
}

void Connection::fail(boost::system::error_code ec, const char* where) {
  close();
  // A request that was out is an error, whenever it fails: during the drain too. A failed
  // connect sent nothing: it is counted apart, not charged to the last request's operation
  // (probe 33 saw a redeem run report 44 "lookup" errors that were reconnect attempts).
  if (awaiting_answer_) {
    awaiting_answer_ = false;
    const auto now = Clock::now();
    const std::size_t second = second_of(now);
    stats_.last_answer = std::max(stats_.last_answer, now);
    ++stats_.outcomes[static_cast<std::size_t>(op_.kind)][static_cast<std::size_t>(Outcome::kTransport)];
    ++stats_.failed_sends_per_second[second];
    stats_.completed.fetch_add(1, std::memory_order_relaxed);
    count_error(second, std::string(op_name(op_.kind)) + " " + where + ": " + ec.message());
  } else if (!run_.stop.load(std::memory_order_relaxed)) {
    stats_.connect_failures.fetch_add(1, std::memory_order_relaxed);
    if (stats_.error_samples.size() < kErrorSamplesMax) {
      stats_.error_samples.push_back(std::string(where) + ": " + ec.message());
    }
  }
  if (run_.stop.load(std::memory_order_relaxed)) return;
  // A fresh socket after a short pause, so a restarting server does not spin us.
  socket_ = tcp::socket(timer_.get_executor());
  timer_.expires_after(kReconnectDelay);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
    if (!wait_ec && !self->run_.stop.load()) self->connect();
  });
}

}  // namespace codeledger::bench
