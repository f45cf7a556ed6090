// vars.cc — see vars.h.
#include "conformance/src/vars.h"

namespace unm::conformance {

void Vars::set_json(std::string name, std::string json_text) {
  vars_[std::move(name)] = std::move(json_text);
}
void Vars::set_string(std::string name, std::string_view value) {
  vars_[std::move(name)] = json_escape(value);
}
void Vars::set_int(std::string name, long long value) {
  vars_[std::move(name)] = std::to_string(value);
}
void Vars::set_value(std::string name, const JsonValue& value) {
  vars_[std::move(name)] = to_json(value);
}

std::optional<std::string> Vars::get(std::string_view name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Vars::get_string(std::string_view name) const {
  auto text = get(name);
  if (!text) return std::nullopt;
  if (!text->empty() && text->front() == '"') {
    auto d = parse_json(*text);
    if (d && d->IsString()) return std::string(d->GetString(), d->GetStringLength());
  }
  return text;
}

namespace {

// whole_var returns the name when `s` is exactly "${name}".
std::optional<std::string_view> whole_var(std::string_view s) {
  if (s.size() < 4 || s.substr(0, 2) != "${" || s.back() != '}') return std::nullopt;
  std::string_view name = s.substr(2, s.size() - 3);
  if (name.find_first_of("${}") != std::string_view::npos) return std::nullopt;
  return name;
}

Expected<void, std::string> subst_into(const JsonValue& in, JsonValue& out, JsonAlloc& a,
                                       const Vars& vars) {
  if (in.IsString()) {
    std::string_view s(in.GetString(), in.GetStringLength());
    if (auto name = whole_var(s)) {
      auto text = vars.get(*name);
      if (!text) return Unexpected{"unknown variable ${" + std::string(*name) + "}"};
      auto d = parse_json(*text);
      if (!d) return Unexpected{"variable ${" + std::string(*name) + "} holds bad JSON"};
      out.CopyFrom(*d, a);
      return {};
    }
    auto r = interpolate(s, vars);
    if (!r) return Unexpected{r.error()};
    out.SetString(r->data(), static_cast<rapidjson::SizeType>(r->size()), a);
    return {};
  }
  if (in.IsArray()) {
    out.SetArray();
    for (const auto& e : in.GetArray()) {
      JsonValue v;
      auto r = subst_into(e, v, a, vars);
      if (!r) return r;
      out.PushBack(v, a);
    }
    return {};
  }
  if (in.IsObject()) {
    out.SetObject();
    for (auto it = in.MemberBegin(); it != in.MemberEnd(); ++it) {
      auto key =
          interpolate(std::string_view(it->name.GetString(), it->name.GetStringLength()), vars);
      if (!key) return Unexpected{key.error()};
      JsonValue k(key->data(), static_cast<rapidjson::SizeType>(key->size()), a);
      JsonValue v;
      auto r = subst_into(it->value, v, a, vars);
      if (!r) return r;
      out.AddMember(k, v, a);
    }
    return {};
  }
  out.CopyFrom(in, a);
  return {};
}

}  // namespace

Expected<std::string, std::string> interpolate(std::string_view s, const Vars& vars) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (s.compare(i, 2, "${") == 0) {
      std::size_t close = s.find('}', i + 2);
      if (close == std::string_view::npos)
        return Unexpected{std::string("unterminated ${ in \"") + std::string(s) + "\""};
      std::string_view name = s.substr(i + 2, close - i - 2);
      auto v = vars.get_string(name);
      if (!v) return Unexpected{"unknown variable ${" + std::string(name) + "}"};
      out += *v;
      i = close + 1;
      continue;
    }
    out += s[i++];
  }
  return out;
}

Expected<JsonDoc, std::string> substitute(const JsonValue& tmpl, const Vars& vars) {
  JsonDoc d;
  auto r = subst_into(tmpl, d, d.GetAllocator(), vars);
  if (!r) return Unexpected{r.error()};
  return d;
}

}  // namespace unm::conformance
