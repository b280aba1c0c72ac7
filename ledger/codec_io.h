// Byte-level helpers for the event and snapshot codecs: little-endian fixed integers,
// LEB128 varints, length-prefixed strings. Reader never reads past its end: every get
// returns false on truncation and the reader stays failed.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "ledger/types.h"

namespace codeledger::ledger::detail {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void svarint(std::int64_t v) {
    varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  void fixed64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void str(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }
  void id(const ObjectId& o) { out_.append(reinterpret_cast<const char*>(o.bytes.data()), 12); }
  void code(const CodeKey& k) { str(k.view()); }
  void boolean(bool b) { u8(b ? 1 : 0); }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }
  std::size_t remaining() const { return in_.size() - pos_; }

  bool u8(std::uint8_t& v) {
    if (!need(1)) return false;
    v = static_cast<std::uint8_t>(in_[pos_++]);
    return true;
  }
  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::uint8_t b;
      if (!u8(b)) return false;
      v |= std::uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return true;
    }
    return fail();
  }
  bool u32(std::uint32_t& v) {
    std::uint64_t w;
    if (!varint(w) || w > 0xffffffffu) return fail();
    v = static_cast<std::uint32_t>(w);
    return true;
  }
  bool svarint(std::int64_t& v) {
    std::uint64_t w;
    if (!varint(w)) return false;
    v = static_cast<std::int64_t>((w >> 1) ^ (~(w & 1) + 1));
    return true;
  }
  bool fixed64(std::uint64_t& v) {
    if (!need(8)) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<std::uint8_t>(in_[pos_ + i])} << (8 * i);
    pos_ += 8;
    return true;
  }
  bool str(std::string& s) {
    std::uint64_t n;
    if (!varint(n) || !need(n)) return false;
    s.assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // The string's bytes in place: valid as long as the input is.
  bool str_view(std::string_view& s) {
    std::uint64_t n;
    if (!varint(n) || !need(n)) return false;
    s = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool id(ObjectId& o) {
    if (!need(12)) return false;
    std::memcpy(o.bytes.data(), in_.data() + pos_, 12);
    pos_ += 12;
    return true;
  }
  bool code(CodeKey& k) {
    std::uint64_t n;
    if (!varint(n) || !need(n)) return false;
    auto r = CodeKey::make(in_.substr(pos_, n));
    if (!r.ok()) return fail();
    k = *r;
    pos_ += n;
    return true;
  }
  bool boolean(bool& b) {
    std::uint8_t v;
    if (!u8(v) || v > 1) return fail();
    b = v == 1;
    return true;
  }
  // A count of elements that each take at least one byte: bounded by what is left, so
  // garbage cannot make us reserve gigabytes.
  bool count(std::uint64_t& n) {
    if (!varint(n)) return false;
    return n <= remaining() ? true : fail();
  }
  bool fail() {
    ok_ = false;
    return false;
  }

 private:
  bool need(std::uint64_t n) {
    if (!ok_ || n > in_.size() - pos_) return fail();
    return true;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Shared element encoders (events and snapshots use the same shapes).
void put_spec(Writer& w, const PromotionSpec& s);
bool get_spec(Reader& r, PromotionSpec& s);
struct RedemptionRef;
void put_redemption(Writer& w, const RedemptionRef& r);
void put_redemption(Writer& w, const RedemptionView& v);
bool get_redemption(Reader& r, RedemptionView& v);
void put_profile(Writer& w, const CustomerProfile& p);
bool get_profile(Reader& r, CustomerProfile& p);

}  // namespace codeledger::ledger::detail
