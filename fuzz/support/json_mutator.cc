#include "fuzz/support/json_mutator.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace unm::fuzz {
namespace {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

// kHostileStrings are the wire values the protocol's validators must refuse or handle: invalid
// and upper-case hex, odd lengths, the identity and a small-order point (CR-KEY-004), a
// non-canonical y >= p, control characters and broken UTF-8 (EV-TRN-018), reserved names.
constexpr std::string_view kHostileStrings[] = {
    "",
    "zz",
    "ABCDEF",
    "0",
    "abc",
    // identity point (y = 1): small order
    "0100000000000000000000000000000000000000000000000000000000000000",
    // order-2 point (y = -1)
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    // y = p: non-canonical encoding of 0
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    // all ones: y >= p
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    // Ed25519 base point (valid)
    "5866666666666666666666666666666666666666666666666666666666666666",
    // 63 characters
    "586666666666666666666666666666666666666666666666666666666666666",
    "\x01\x7f\xc2\x80",
    "\xff\xfe",
    "\xed\xa0\x80",  // a UTF-16 surrogate in UTF-8
    "connect",
    "disconnect",
    "offline",
    "2026-13-45T99:99:99.000Z",
    "-0",
};

class Mutator {
 public:
  Mutator(unsigned seed, ByteMutator bytes) : rng_(seed), bytes_(bytes) {}

  std::size_t pick(std::size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  // collect lists every value of the tree, the root first.
  void collect(Value& v, std::vector<Value*>& out) {
    out.push_back(&v);
    if (v.IsObject()) {
      for (auto& m : v.GetObject()) collect(m.value, out);
    } else if (v.IsArray()) {
      for (auto& e : v.GetArray()) collect(e, out);
    }
  }

  void replace_scalar(Value& v, Alloc& a) {
    switch (pick(14)) {
      case 0:
        v.SetNull();
        break;
      case 1:
        v.SetBool(pick(2) == 0);
        break;
      case 2:
        v.SetInt64(0);
        break;
      case 3:
        v.SetInt64(-1);
        break;
      case 4:
        v.SetInt64(9'007'199'254'740'991);
        break;  // 2^53 - 1
      case 5:
        v.SetUint64(9'007'199'254'740'992);
        break;  // 2^53
      case 6:
        v.SetUint64(UINT64_MAX);
        break;
      case 7:
        v.SetDouble(1.5);
        break;
      case 8:
        v.SetDouble(1e300);
        break;
      case 9:
        v.SetArray();
        break;
      case 10:
        v.SetObject();
        break;
      case 11: {
        const auto s = kHostileStrings[pick(std::size(kHostileStrings))];
        v.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
        break;
      }
      case 12: {
        // Huge values: beyond every limit of events.md Table 2.
        static constexpr std::size_t kSizes[] = {65, 101, 129, 501, 4097, 131'073};
        const std::size_t n = kSizes[pick(std::size(kSizes))];
        const std::string s(n, pick(2) == 0 ? 'a' : '0');
        v.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
        break;
      }
      default:
        v.SetInt64(static_cast<std::int64_t>(rng_() % 200) - 100);
        break;
    }
  }

  void mutate_string(Value& v, Alloc& a) {
    std::string s(v.GetString(), v.GetStringLength());
    switch (pick(5)) {
      case 0:  // flip one hex digit / character
        if (!s.empty()) s[pick(s.size())] = "0123456789abcdefA"[pick(17)];
        break;
      case 1:
        s.resize(pick(s.size() + 1));
        break;
      case 2:
        s += s;
        break;
      case 3: {
        const std::size_t old = s.size();
        s.resize(old + 16);
        s.resize(bytes_(reinterpret_cast<std::uint8_t*>(s.data()), old, s.size()));
        break;
      }
      default:
        s.insert(pick(s.size() + 1), 1, static_cast<char>(rng_()));
        break;
    }
    v.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
  }

  void mutate_number(Value& v) {
    const std::int64_t x = v.IsInt64() ? v.GetInt64() : 0;
    switch (pick(4)) {
      case 0:
        v.SetInt64(x + 1);
        break;
      case 1:
        v.SetInt64(x - 1);
        break;
      case 2:
        v.SetInt64(-x);
        break;
      default:
        v.SetDouble(static_cast<double>(x) + 0.5);
        break;
    }
  }

  void mutate_object(Value& v, Alloc& a) {
    const std::size_t n = v.MemberCount();
    switch (pick(4)) {
      case 0:  // drop a key (missing key)
        if (n > 0) v.EraseMember(v.MemberBegin() + static_cast<std::ptrdiff_t>(pick(n)));
        break;
      case 1: {  // an extra key
        static constexpr std::string_view kKeys[] = {"x",       "id",        "username",
                                                     "message", "__proto__", "success"};
        const auto k = kKeys[pick(std::size(kKeys))];
        Value key(k.data(), static_cast<rapidjson::SizeType>(k.size()), a);
        v.AddMember(key, Value(pick(2) == 0), a);
        break;
      }
      case 2:  // a duplicated key (RapidJSON keeps both; the wire then carries both)
        if (n > 0) {
          auto& m = *(v.MemberBegin() + static_cast<std::ptrdiff_t>(pick(n)));
          Value key(m.name, a);
          Value val(m.value, a);
          v.AddMember(key, val, a);
        }
        break;
      default:  // rename a key
        if (n > 0) {
          auto& m = *(v.MemberBegin() + static_cast<std::ptrdiff_t>(pick(n)));
          std::string k(m.name.GetString(), m.name.GetStringLength());
          if (!k.empty()) k[pick(k.size())] ^= 0x20;
          m.name.SetString(k.data(), static_cast<rapidjson::SizeType>(k.size()), a);
        }
        break;
    }
  }

  void mutate_array(Value& v, Alloc& a) {
    const std::size_t n = v.Size();
    switch (pick(3)) {
      case 0:
        if (n > 0) v.Erase(v.Begin() + static_cast<std::ptrdiff_t>(pick(n)));
        break;
      case 1:
        if (n > 0) {
          Value copy(v[static_cast<rapidjson::SizeType>(pick(n))], a);
          v.PushBack(copy, a);
        }
        break;
      default: {
        // Many elements: past the 63-target / 126-entry list limits.
        const std::size_t extra = 64 + pick(70);
        Value proto = n > 0 ? Value(v[0], a) : Value("00", a);
        for (std::size_t i = 0; i < extra; ++i) v.PushBack(Value(proto, a), a);
        break;
      }
    }
  }

  void mutate(Value& v, Alloc& a) {
    if (pick(4) == 0) {
      replace_scalar(v, a);
    } else if (v.IsObject()) {
      mutate_object(v, a);
    } else if (v.IsArray()) {
      mutate_array(v, a);
    } else if (v.IsString()) {
      mutate_string(v, a);
    } else if (v.IsNumber()) {
      mutate_number(v);
    } else {
      replace_scalar(v, a);
    }
  }

 private:
  std::minstd_rand rng_;
  ByteMutator bytes_;
};

std::string byte_mutate(std::string_view text, std::size_t max_size, ByteMutator bytes) {
  std::string s(text);
  s.resize(std::max<std::size_t>(max_size, 1));
  s.resize(
      bytes(reinterpret_cast<std::uint8_t*>(s.data()), std::min(text.size(), s.size()), s.size()));
  return s;
}

}  // namespace

std::string mutate_json(std::string_view text, std::size_t max_size, unsigned seed,
                        ByteMutator bytes) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseStopWhenDoneFlag>(text.data(), text.size());
  Mutator m(seed, bytes);
  // Some byte-level mutation always: it finds what structure cannot (escapes, number syntax).
  if (doc.HasParseError() || m.pick(8) == 0) return byte_mutate(text, max_size, bytes);
  std::vector<Value*> values;
  m.collect(doc, values);
  const std::size_t rounds = 1 + m.pick(3);
  for (std::size_t r = 0; r < rounds; ++r) {
    values.clear();
    m.collect(doc, values);
    m.mutate(*values[m.pick(values.size())], doc.GetAllocator());
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  doc.Accept(w);
  std::string out(buf.GetString(), buf.GetSize());
  if (out.size() > max_size) return byte_mutate(text, max_size, bytes);
  return out;
}

std::size_t custom_mutate_json(std::uint8_t* data, std::size_t size, std::size_t max_size,
                               unsigned seed, std::size_t prefix, ByteMutator bytes) {
  if (size < prefix || max_size <= prefix) return bytes(data, size, max_size);
  if (seed % 16 == 0) {
    // Change the prefix (e.g. which event) and keep the payload.
    std::vector<std::uint8_t> head(data, data + prefix);
    if (!head.empty()) {
      bytes(head.data(), head.size(), head.size());
      std::memcpy(data, head.data(), prefix);
    }
    return size;
  }
  const std::string_view body(reinterpret_cast<const char*>(data) + prefix, size - prefix);
  const std::string out = mutate_json(body, max_size - prefix, seed, bytes);
  const std::size_t n = std::min(out.size(), max_size - prefix);
  std::memcpy(data + prefix, out.data(), n);
  return prefix + n;
}

}  // namespace unm::fuzz
