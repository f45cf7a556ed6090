#include "reference/client/dialect.h"

#include <chrono>
#include <utility>

#include "reference/client/rpc.h"
#include "reference/protocol/timestamp.h"

namespace unm::client {
namespace {

// The clause each events.md §12 row names (first one when it names several).
constexpr std::pair<int, const char*> kRowClauses[] = {
    {1, "EV-FRD-008"},      {2, "EV-MSG-014"},      {3, "EV-MSG-015/017"},  {4, "EV-RCT-004/007"},
    {5, "EV-MSG-024"},      {6, "EV-OBJ-007"},      {7, "EV-CALL-003/005"}, {8, "EV-CALL-010"},
    {9, "EV-MSG-030"},      {10, "EV-DM-014/015"},  {11, "EV-DM-016"},      {12, "EV-DM-025"},
    {13, "EV-USR-013/014"}, {14, "EV-USR-004/005"}, {15, "EV-USR-007/012"}, {16, "EV-AUTH-021"},
    {17, "EV-MSG-019/024"}, {18, "EV-DM-020"},      {19, "EV-DM-022"},      {20, "EV-DM-001"},
    {21, "EV-DM-027/029"},  {22, "EV-TRN-014"},     {23, "EV-FRD-007/010"}, {24, "EV-TRN-021"},
    {25, "EV-TRN-023"},     {26, "EV-OBJ-001"},     {27, "EV-OBJ-002"},     {28, "EV-TRN-010"},
    {29, "TR-SIO-003"},     {30, "EV-TRN-018"},     {31, "CR-KEY-004"},
};

bool remove_member(rapidjson::Value& obj, const char* key) {
  return obj.IsObject() && obj.RemoveMember(key);
}

}  // namespace

std::optional<DialectChoice> parse_dialect_choice(std::string_view text) {
  if (text == "document") return DialectChoice::document;
  if (text == "deployed") return DialectChoice::deployed;
  if (text == "auto") return DialectChoice::automatic;
  return std::nullopt;
}

std::string_view dialect_name(Dialect d) {
  return d == Dialect::deployed ? "deployed" : "document";
}

std::string_view clause_of_row(int row) {
  for (const auto& [r, c] : kRowClauses)
    if (r == row) return c;
  return {};
}

std::optional<std::string> deployed_cursor(std::string_view cursor) {
  auto t = protocol::parse_cursor(cursor);
  if (!t) return std::nullopt;
  // The deployed server compares its stored text `YYYY-MM-DDTHH:MM:SS[.ffffff]` (UTC, no zone,
  // fraction left out when zero: #26) with the cursor as text. One microsecond earlier, with all
  // six digits, a stored time sorts below the cursor exactly when it is earlier than the
  // requested instant, so the cursor stays exclusive (EV-MSG-016); the zone satisfies its parser.
  return protocol::format_timestamp(*t - 1) + "+00:00";
}

std::string WireDialect::probe_payload() {
  return "{}";
}

Result<Dialect> WireDialect::read_probe(const Result<rapidjson::Document>& outcome) {
  if (!outcome) {
    return Unexpected<Error>{
        Error{outcome.error().code,
              "dialect detection (get_user_list probe): " + outcome.error().detail}};
  }
  bool internal_id = false;
  if (outcome->IsArray()) {
    for (const auto& u : outcome->GetArray()) {
      if (u.IsObject() && u.HasMember("id")) internal_id = true;
    }
  }
  dialect_ = internal_id ? Dialect::deployed : Dialect::document;
  if (internal_id) {
    note(14, "get_user_list entries carry an internal id: the deployed dialect is used");
  }
  return dialect_;
}

std::string_view WireDialect::unblock_event() {
  if (!deployed()) return "unblock";
  note(1, "sent unblock_user instead of unblock (the deployed server has no unblock event)");
  return "unblock_user";
}

Result<std::string> WireDialect::history_payload(std::int64_t dm_id, std::string_view cursor,
                                                 std::int64_t count) {
  std::string c(cursor);
  if (c.empty()) {
    // EV-MSG-015: "now" with a zone; a day ahead covers clock skew between client and server.
    const auto now = std::chrono::system_clock::now() + std::chrono::hours(24);
    c = protocol::format_timestamp(
            std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count()) +
        "Z";
  }
  // The document's server judges the cursor itself (EV-MSG-015): it is sent as given.
  if (!deployed()) return Payload().num("id", dm_id).str("cursor", c).num("count", count).text();
  auto cursor_sent = deployed_cursor(c);
  if (!cursor_sent)
    return fail(ErrorCode::local, "cursor '" + c +
                                      "' is not a timestamp YYYY-MM-DDTHH:MM:SS[.fraction][Z|"
                                      "±HH:MM] (EV-MSG-015)");
  note(2, "get_message_history: sent limit instead of count");
  std::string rewritten = *cursor_sent;
  note(3, "get_message_history: cursor sent as " + rewritten +
              " (fraction and zone required, compared as text; one microsecond earlier keeps it "
              "exclusive)");
  return Payload().num("id", dm_id).str("cursor", rewritten).num("limit", count).text();
}

void WireDialect::read_dm(rapidjson::Value& dm, Allocator& a, std::string_view where) {
  if (!deployed() || !dm.IsObject()) return;
  const std::string w(where);
  auto call = dm.FindMember("users_in_call");
  if (call != dm.MemberEnd() && call->value.IsObject()) {
    // #6: username → uuid; the document's list holds the usernames (the object's keys).
    rapidjson::Value list(rapidjson::kArrayType);
    for (auto& kv : call->value.GetObject()) list.PushBack(rapidjson::Value(kv.name, a), a);
    call->value = std::move(list);
    note(6, w + ": users_in_call is an object username → uuid; its usernames are read");
  }
  bool met18 = remove_member(dm, "public_keys");
  auto lm = dm.FindMember("latest_message");
  if (lm != dm.MemberEnd() && lm->value.IsObject() && !lm->value.HasMember("dm_id")) {
    auto d = lm->value.FindMember("dm");
    if (d != lm->value.MemberEnd()) {
      rapidjson::Value id(d->value, a);
      lm->value.RemoveMember(d);
      lm->value.AddMember("dm_id", id, a);
      met18 = true;
    }
  }
  if (met18)
    note(18, w + ": the DM object carries public_keys (ignored); latest_message names its DM dm "
                 "(read as dm_id)");
}

void WireDialect::read_user_list(rapidjson::Value& list, std::string_view where) {
  if (!deployed() || !list.IsArray()) return;
  bool met = false;
  for (auto& u : list.GetArray()) met = remove_member(u, "id") || met;
  if (met) note(14, std::string(where) + ": user objects carry an extra id (ignored)");
}

void WireDialect::read_profile_notification(rapidjson::Value& user) {
  if (!deployed() || !user.IsObject()) return;
  bool met = remove_member(user, "own_storage");
  met = remove_member(user, "x3dh_requests") || met;
  met = remove_member(user, "id") || met;
  if (met)
    note(13,
         "profile_notification carried the full record (own_storage, id, x3dh_requests): "
         "dropped, only the User object is read");
}

void WireDialect::note(int row, std::string text) {
  for (auto& w : warnings_)
    if (w.row == row) {
      ++w.count;
      return;
    }
  warnings_.push_back(DeviationWarning{row, std::string(clause_of_row(row)), std::move(text), 1});
}

std::vector<DeviationWarning> WireDialect::take_new() {
  std::vector<DeviationWarning> out(warnings_.begin() + static_cast<long>(reported_),
                                    warnings_.end());
  reported_ = warnings_.size();
  return out;
}

}  // namespace unm::client
