// dialect.h — the one place where the client speaks either the protocol document's dialect or
// the deployed implementation's (events.md §12), and records every deviation it meets.
//
// Session asks WireDialect what to send (event names, payloads) and hands it every answer and
// notification before parsing: in the deployed dialect the value is rewritten in place into the
// document's form (so the §10 parsers stay strict) and the §12 row is recorded as a warning. In
// the document dialect nothing is rewritten and a deviation stays a protocol error. Nothing here
// touches a key, a signature or a ciphertext: no cryptographic check is ever relaxed (§12 #31).
//
// Detection (DialectChoice::automatic): one probe right after login, `get_user_list {}` — a
// request valid in both dialects, so a client judged by `observe` sends nothing it should not.
// Its result always holds the caller (EV-USR-004); the deployed server adds an internal `id` to
// every entry (§12 #14, EV-USR-005), the document's User object has none. The answer is a
// property of the server's code, not of timing or state, so the probe cannot be flaky; it
// changes nothing on the server. Before login nothing the client sends or reads differs between
// the dialects that matters (register, login, username_exists), so the document's reading is
// used unsettled until then. (An earlier probe, `username_exists {"username":0}`, was ill-typed
// on purpose — §12 #30 — and so broke EV-TRN-018 itself; observe reported it.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "reference/client/error.h"

namespace unm::client {

// Dialect is what a server speaks.
enum class Dialect { document, deployed };

// DialectChoice is what the user asked for (--dialect document|deployed|auto).
enum class DialectChoice { document, deployed, automatic };

// parse_dialect_choice reads "document", "deployed" or "auto".
std::optional<DialectChoice> parse_dialect_choice(std::string_view text);
std::string_view dialect_name(Dialect d);

// DeviationWarning is one events.md §12 row the client met in this session.
struct DeviationWarning {
  int row = 0;         // §12 row number
  std::string clause;  // the clause the row names, e.g. "EV-MSG-014"
  std::string text;    // what was met and what the client did about it
  int count = 1;       // how often it was met
};

// WireDialect — see file comment. One per Session; not thread-safe (used on the session thread).
class WireDialect {
 public:
  explicit WireDialect(Dialect d = Dialect::document) : dialect_(d) {}

  Dialect dialect() const { return dialect_; }
  bool deployed() const { return dialect_ == Dialect::deployed; }
  void set_dialect(Dialect d) { dialect_ = d; }

  // ---- detection (automatic) ----
  static constexpr std::string_view kProbeEvent = "get_user_list";
  // probe_payload is `{}`.
  static std::string probe_payload();
  // read_probe classifies the probe's outcome: a list whose entries carry `id` → deployed
  // (noting #14), any other list → document; a refusal, a timeout or a broken connection is
  // passed on (a logged-in get_user_list never fails on a conforming server).
  Result<Dialect> read_probe(const Result<rapidjson::Document>& outcome);

  // ---- what to send ----
  // unblock_event is `unblock`, or `unblock_user` in the deployed dialect (#1).
  std::string_view unblock_event();
  // history_payload builds get_message_history's payload. `cursor` empty means "now". Deployed
  // (#2, #3): `limit` instead of `count`, and the cursor rewritten so that the deployed server's
  // textual comparison still excludes the cursor's own instant (see dialect.cc). Fails (local)
  // for a cursor that is not an EV-MSG-015 timestamp.
  Result<std::string> history_payload(std::int64_t dm_id, std::string_view cursor,
                                      std::int64_t count);

  // ---- what to read (in place, before the strict parsers) ----
  using Allocator = rapidjson::Document::AllocatorType;
  // read_dm: a DM object of get_dm / dm_notification (#6 users_in_call object → its keys;
  // #18 latest_message.dm → dm_id, public_keys dropped). Returns the call's uuids when the
  // server sent them (username → uuid), for callers that want them.
  void read_dm(rapidjson::Value& dm, Allocator& a, std::string_view where);
  // read_user_list: get_user_list's entries (#14 extra `id` dropped).
  void read_user_list(rapidjson::Value& list, std::string_view where);
  // read_profile_notification: another user's profile_notification (#13: own_storage, id and
  // x3dh_requests dropped so another account's key backup is never passed on).
  void read_profile_notification(rapidjson::Value& user);

  // note records that row `row` was met (deduplicated by row; `count` goes up).
  void note(int row, std::string text);
  const std::vector<DeviationWarning>& warnings() const { return warnings_; }
  // take_new returns the warnings first recorded since the previous take_new (live printing).
  std::vector<DeviationWarning> take_new();

 private:
  Dialect dialect_;
  std::vector<DeviationWarning> warnings_;
  std::size_t reported_ = 0;
};

// clause_of_row is the clause events.md §12 names for `row` ("" for an unknown row).
std::string_view clause_of_row(int row);

// deployed_cursor rewrites an EV-MSG-015 cursor for the deployed server (#3): one microsecond
// earlier, six fraction digits and an explicit zone, `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`.
std::optional<std::string> deployed_cursor(std::string_view cursor);

}  // namespace unm::client
