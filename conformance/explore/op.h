// op.h — one explorer operation (docs/explore.md): an action of one user on one of its
// connections, over abstract users (indexes), DMs, messages and reactions (numbers the
// operation that creates them gives), so that a sequence means the same on every server and
// survives shrinking (an operation whose subject no longer exists is skipped).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/src/json.h"
#include "reference/common/expected.h"

namespace unm::conformance::explore {

// OpKind — the operations, each one event of events.md (or a short procedure of a client: login
// with its challenge, create_dm with its bundles).
enum class OpKind {
  login,           // open the slot's connection, login + login_challenge_response (EV-AUTH)
  logout,          // close the slot's connection (EV-AUTH-022)
  friend_request,  // send_friend_request (EV-FRD-003)
  answer_request,  // ack_friend_request, flag = accept (EV-FRD-005)
  unfriend,        // EV-FRD-006
  block,           // block_user (EV-FRD-007)
  unblock,         // unblock (EV-FRD-008)
  relations,       // get_friends / get_friend_requests / get_outgoing_requests / get_blocked
  get_user,        // get_user of `other` (EV-USR)
  user_list,       // get_user_list
  set_user,        // set_user status / biography (EV-USR-006)
  create_dm,       // get_user of each member, then create_dm with X3DH and the key tree
  get_dms,         // EV-DM-017
  get_dm,          // EV-DM-018/019
  set_dm,          // rename (EV-DM-023/024)
  leave_dm,        // EV-DM-026/027
  typing,          // ping_typing (EV-TYP)
  send,            // send_message with schedule / delete (EV-MSG-001…012)
  burst,           // `count` messages in a row (limits: history cap, paging)
  edit,            // set_message with new ciphertext (EV-MSG-021)
  pin,             // set_message pinned = flag (EV-MSG-022)
  pin_many,        // pin messages msg … msg+count−1 of the DM that exist (limits of get_pinned)
  get_message,     // EV-MSG-013
  history,         // get_message_history: `count`, cursor now or before message `cursor`
  pinned,          // get_pinned (EV-MSG-018)
  cancel_scheduled,  // get_dm (to learn the schedule id), cancel_scheduled_message (EV-MSG-025)
  react,             // add_reaction (EV-RCT-001…004)
  unreact,           // remove_reaction (EV-RCT-005…007)
  join_call,         // EV-CALL
  leave_call,        // EV-CALL
};

// op_kind_name is the stable name used in reports and sequence files ("friend_request").
std::string_view op_kind_name(OpKind k);
std::optional<OpKind> op_kind_by_name(std::string_view name);
// all_op_kinds lists every kind in declaration order.
const std::vector<OpKind>& all_op_kinds();

// Op — see file comment. Unused fields keep their defaults.
struct Op {
  OpKind kind = OpKind::get_dms;
  int user = 0;              // the acting user
  int slot = 0;              // its connection (0 or 1)
  int other = -1;            // the other user of friend / block / get_user operations
  std::vector<int> members;  // create_dm: the targets, in `usernames` order
  int dm = -1;               // the DM (create_dm: the number it creates)
  int msg = -1;              // the message (send / burst: the first number it creates)
  int rct = -1;              // the reaction (react: the number it creates)
  int count = 0;             // history count, burst size, relations list (0…3)
  int schedule = 0;          // send: seconds (EV-TRN-016)
  int del = 0;               // send: self-destruct seconds
  int cursor = -1;           // history: -1 now, else the message whose timestamp is the cursor
  bool flag = false;         // answer_request: accept; pin: pinned
  std::string text;          // set_user / set_dm / join_call: the value sent

  bool operator==(const Op&) const = default;
};

// describe renders an operation for people ("u1#0 send dm2 msg7 schedule=2").
std::string describe(const Op& op);
// op_to_json / op_from_json: the sequence file form (explore --replay, reports).
void op_to_json(const Op& op, JsonValue& out, JsonAlloc& al);
Expected<Op, std::string> op_from_json(const JsonValue& v);

}  // namespace unm::conformance::explore
