// fuzz_minimize.cc — see fuzz_minimize.h.
#include "conformance/tool/fuzz_minimize.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace unm::conformance::tool::livefuzz {

namespace {

std::string compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace

std::vector<Request> shrink_candidates(const Request& r) {
  std::vector<Request> out;
  rapidjson::Document d;
  d.Parse(r.args_json.data(), r.args_json.size());
  // The argument shape is the mutation itself: nothing to shrink around it.
  if (d.HasParseError() || !d.IsArray() || d.Size() != 1 || !d[0].IsObject() ||
      r.mutation_class == "argument-shape") {
    return out;
  }
  auto with = [&](const std::function<void(rapidjson::Value&, rapidjson::Document::AllocatorType&)>&
                      change) {
    rapidjson::Document copy;
    copy.CopyFrom(d, copy.GetAllocator());
    change(copy[0], copy.GetAllocator());
    Request c = r;
    c.args_json = compact(copy);
    if (c.args_json.size() < r.args_json.size()) out.push_back(std::move(c));
  };
  std::vector<std::string> keys;
  for (auto& m : d[0].GetObject()) keys.emplace_back(m.name.GetString(), m.name.GetStringLength());
  for (const auto& k : keys) {
    if (k == r.mutated_key) continue;
    with([&](rapidjson::Value& o, auto&) { o.RemoveMember(k.c_str()); });
  }
  // A huge value may be shrunk (the problem may need only part of it); other mutated values
  // stay as they are.
  const bool value_free = r.mutation_class == "huge-value" || r.mutation_class == "none" ||
                          r.mutation_class == "unknown-event";
  for (const auto& k : keys) {
    if (k == r.mutated_key && !value_free) continue;
    const auto& v = d[0][k.c_str()];
    if (v.IsString() && v.GetStringLength() > 1) {
      const std::string half(v.GetString(), v.GetStringLength() / 2);
      with([&](rapidjson::Value& o, auto& a) {
        o[k.c_str()].SetString(half.c_str(), static_cast<rapidjson::SizeType>(half.size()), a);
      });
    } else if ((v.IsArray() && !v.Empty()) || (v.IsObject() && v.MemberCount() > 0)) {
      const bool arr = v.IsArray();
      with([&](rapidjson::Value& o, auto&) {
        if (arr) {
          o[k.c_str()].SetArray();
        } else {
          o[k.c_str()].SetObject();
        }
      });
    }
  }
  return out;
}

std::pair<Request, std::size_t> minimize(const Request& r,
                                         const std::function<bool(const Request&)>& still_shows,
                                         std::size_t max_replays) {
  Request best = r;
  std::size_t used = 0;
  bool progress = true;
  while (progress && used < max_replays) {
    progress = false;
    for (const Request& c : shrink_candidates(best)) {
      if (used >= max_replays) break;
      ++used;
      if (still_shows(c)) {
        best = c;
        progress = true;
        break;
      }
    }
  }
  return {best, used};
}

}  // namespace unm::conformance::tool::livefuzz
