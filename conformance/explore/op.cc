// op.cc — names, descriptions and the JSON form of explorer operations.
#include "conformance/explore/op.h"

#include <array>
#include <utility>

namespace unm::conformance::explore {
namespace {

constexpr std::array<std::pair<OpKind, std::string_view>, 30> kNames{{
    {OpKind::login, "login"},
    {OpKind::logout, "logout"},
    {OpKind::friend_request, "friend_request"},
    {OpKind::answer_request, "answer_request"},
    {OpKind::unfriend, "unfriend"},
    {OpKind::block, "block"},
    {OpKind::unblock, "unblock"},
    {OpKind::relations, "relations"},
    {OpKind::get_user, "get_user"},
    {OpKind::user_list, "user_list"},
    {OpKind::set_user, "set_user"},
    {OpKind::create_dm, "create_dm"},
    {OpKind::get_dms, "get_dms"},
    {OpKind::get_dm, "get_dm"},
    {OpKind::set_dm, "set_dm"},
    {OpKind::leave_dm, "leave_dm"},
    {OpKind::typing, "typing"},
    {OpKind::send, "send"},
    {OpKind::burst, "burst"},
    {OpKind::edit, "edit"},
    {OpKind::pin, "pin"},
    {OpKind::pin_many, "pin_many"},
    {OpKind::get_message, "get_message"},
    {OpKind::history, "history"},
    {OpKind::pinned, "pinned"},
    {OpKind::cancel_scheduled, "cancel_scheduled"},
    {OpKind::react, "react"},
    {OpKind::unreact, "unreact"},
    {OpKind::join_call, "join_call"},
    {OpKind::leave_call, "leave_call"},
}};

void add_int(JsonValue& o, const char* key, int v, JsonAlloc& al) {
  o.AddMember(JsonValue(key, al), JsonValue(v), al);
}

Expected<int, std::string> get_int(const JsonValue& v, const char* key, int dflt) {
  const JsonValue* m = json_member(v, key);
  if (m == nullptr) return dflt;
  if (!m->IsInt()) return Unexpected{std::string("op: ") + key + " must be an integer"};
  return m->GetInt();
}

}  // namespace

std::string_view op_kind_name(OpKind k) {
  for (const auto& [kind, name] : kNames) {
    if (kind == k) return name;
  }
  return "?";
}

std::optional<OpKind> op_kind_by_name(std::string_view name) {
  for (const auto& [kind, n] : kNames) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

const std::vector<OpKind>& all_op_kinds() {
  static const std::vector<OpKind> kinds = [] {
    std::vector<OpKind> v;
    for (const auto& [kind, name] : kNames) v.push_back(kind);
    return v;
  }();
  return kinds;
}

std::string describe(const Op& op) {
  std::string s = "u";
  s += std::to_string(op.user);
  if (op.slot != 0) s.append("#").append(std::to_string(op.slot));
  s += " ";
  s += op_kind_name(op.kind);
  if (op.other >= 0) s += " u" + std::to_string(op.other);
  if (!op.members.empty()) {
    s += " [";
    for (std::size_t i = 0; i < op.members.size(); ++i) {
      if (i) s += ",";
      s.append("u").append(std::to_string(op.members[i]));
    }
    s += "]";
  }
  if (op.dm >= 0) s += " dm" + std::to_string(op.dm);
  if (op.msg >= 0) s += " msg" + std::to_string(op.msg);
  if (op.rct >= 0) s += " rct" + std::to_string(op.rct);
  switch (op.kind) {
    case OpKind::burst:
    case OpKind::pin_many:
    case OpKind::history:
    case OpKind::relations:
      s += " count=" + std::to_string(op.count);
      break;
    default:
      break;
  }
  if (op.kind == OpKind::history) {
    s += op.cursor < 0 ? " cursor=now" : " cursor=msg" + std::to_string(op.cursor);
  }
  if (op.schedule) s += " schedule=" + std::to_string(op.schedule);
  if (op.del) s += " delete=" + std::to_string(op.del);
  if (op.kind == OpKind::answer_request) s += op.flag ? " accept" : " reject";
  if (op.kind == OpKind::pin) s += op.flag ? " pin" : " unpin";
  if (!op.text.empty()) s += " \"" + op.text + "\"";
  return s;
}

void op_to_json(const Op& op, JsonValue& out, JsonAlloc& al) {
  out.SetObject();
  const std::string_view name = op_kind_name(op.kind);
  out.AddMember("op", JsonValue(name.data(), static_cast<rapidjson::SizeType>(name.size()), al),
                al);
  add_int(out, "user", op.user, al);
  if (op.slot) add_int(out, "slot", op.slot, al);
  if (op.other >= 0) add_int(out, "other", op.other, al);
  if (!op.members.empty()) {
    JsonValue m(rapidjson::kArrayType);
    for (int u : op.members) m.PushBack(JsonValue(u), al);
    out.AddMember("members", m, al);
  }
  if (op.dm >= 0) add_int(out, "dm", op.dm, al);
  if (op.msg >= 0) add_int(out, "msg", op.msg, al);
  if (op.rct >= 0) add_int(out, "rct", op.rct, al);
  if (op.count) add_int(out, "count", op.count, al);
  if (op.schedule) add_int(out, "schedule", op.schedule, al);
  if (op.del) add_int(out, "delete", op.del, al);
  if (op.cursor >= 0) add_int(out, "cursor", op.cursor, al);
  if (op.flag) out.AddMember("flag", true, al);
  if (!op.text.empty()) out.AddMember("text", JsonValue(op.text.c_str(), al), al);
}

Expected<Op, std::string> op_from_json(const JsonValue& v) {
  if (!v.IsObject()) return Unexpected{std::string("op: must be an object")};
  const JsonValue* name = json_member(v, "op");
  if (name == nullptr || !name->IsString()) return Unexpected{std::string("op: missing \"op\"")};
  auto kind = op_kind_by_name(std::string_view(name->GetString(), name->GetStringLength()));
  if (!kind) return Unexpected{"op: unknown operation " + std::string(name->GetString())};
  Op op;
  op.kind = *kind;
  struct Field {
    const char* key;
    int* into;
    int dflt;
  };
  for (const Field& f :
       {Field{"user", &op.user, 0}, Field{"slot", &op.slot, 0}, Field{"other", &op.other, -1},
        Field{"dm", &op.dm, -1}, Field{"msg", &op.msg, -1}, Field{"rct", &op.rct, -1},
        Field{"count", &op.count, 0}, Field{"schedule", &op.schedule, 0},
        Field{"delete", &op.del, 0}, Field{"cursor", &op.cursor, -1}}) {
    auto x = get_int(v, f.key, f.dflt);
    if (!x) return Unexpected{x.error()};
    *f.into = *x;
  }
  if (op.user < 0 || op.slot < 0 || op.slot > 1) {
    return Unexpected{std::string("op: user must be ≥ 0 and slot 0 or 1")};
  }
  if (const JsonValue* m = json_member(v, "members")) {
    if (!m->IsArray()) return Unexpected{std::string("op: members must be an array")};
    for (const auto& u : m->GetArray()) {
      if (!u.IsInt() || u.GetInt() < 0) {
        return Unexpected{std::string("op: members must be user indexes")};
      }
      op.members.push_back(u.GetInt());
    }
  }
  op.flag = json_bool_or(v, "flag", false);
  op.text = json_string_or(v, "text", "");
  return op;
}

}  // namespace unm::conformance::explore
