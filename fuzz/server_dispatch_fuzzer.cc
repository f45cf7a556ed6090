// server_dispatch_fuzzer.cc — sequences of requests against the reference server core on an
// in-memory store (events.md §2–§9): connects, disconnects, registrations, logins, friend
// requests, DMs, messages, raw events and clock jumps, decoded from the input one step at a
// time, with the ServerRig invariants checked after every step (one well-formed ack per request,
// acks before notifications, notifications only to logged-in connections, online count equal to
// the model's, no success for malformed shapes or without login).
//
// Input: a seed byte, then steps. Each step is an opcode byte and its operands. Four users with
// real keys exist from the start (not registered); connections are picked by index among the
// open ones, so every step refers to something that exists.
//
// Extra oracles: a valid registration of a user not yet registered succeeds on a connection
// that is not logged in (EV-AUTH-006); a login with the right key succeeds unless the
// connection is locked out or already logged in (EV-AUTH-013); a second registration of the
// same name fails (EV-AUTH-005).
#include <set>
#include <string>
#include <vector>

#include "fuzz/support/fuzz_support.h"
#include "fuzz/support/server_rig.h"
#include "reference/crypto/keys.h"
#include "reference/protocol/events.h"
#include "reference/protocol/objects.h"

namespace protocol = unm::protocol;
using unm::fuzz::ByteReader;
using unm::fuzz::RigUser;
using unm::fuzz::ServerRig;
using unm::server::ConnId;

namespace {

constexpr int kEventCount = static_cast<int>(protocol::Event::leave_call) + 1;
constexpr std::size_t kMaxSteps = 64;  // bounds the work per input
constexpr std::size_t kMaxConns = 8;

struct World {
  ServerRig& rig;
  std::vector<RigUser> users;
  std::set<std::string> registered;
  std::vector<ConnId> conns;
  std::set<ConnId> failed_login;  // connections that may be locked out (§2.6)
};

ConnId pick_conn(World& w, ByteReader& in) {
  if (w.conns.empty()) {
    w.conns.push_back(w.rig.connect());
    return w.conns.back();
  }
  return w.conns[in.below(w.conns.size())];
}

const RigUser& pick_user(World& w, ByteReader& in) {
  return w.users[in.below(w.users.size())];
}

std::string name_json(const RigUser& u) {
  return protocol::json_string(u.name);
}

void step(World& w, ByteReader& in) {
  ServerRig& rig = w.rig;
  switch (in.u8() % 12) {
    case 0:
      if (w.conns.size() < kMaxConns) w.conns.push_back(rig.connect());
      break;
    case 1: {
      if (w.conns.empty()) break;
      const std::size_t i = in.below(w.conns.size());
      rig.disconnect(w.conns[i]);
      w.failed_login.erase(w.conns[i]);
      w.conns.erase(w.conns.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
    case 2: {  // register
      const ConnId c = pick_conn(w, in);
      const RigUser& u = pick_user(w, in);
      const auto a = rig.register_user(c, u);
      const bool fresh = w.registered.count(u.name) == 0;
      if (fresh && !rig.logged_in_as(c)) UNM_FUZZ_CHECK(a.success);  // EV-AUTH-006
      if (!fresh) UNM_FUZZ_CHECK(!a.success);                        // EV-AUTH-005
      if (a.success) w.registered.insert(u.name);
      break;
    }
    case 3: {  // login
      const ConnId c = pick_conn(w, in);
      const RigUser& u = pick_user(w, in);
      const bool was = rig.logged_in_as(c).has_value();
      const bool ok = rig.login(c, u);
      if (w.registered.count(u.name) != 0 && !was && w.failed_login.count(c) == 0) {
        UNM_FUZZ_CHECK(ok);  // EV-AUTH-013
      }
      if (!ok) w.failed_login.insert(c);
      break;
    }
    case 4: {  // raw event with a JSON argument text from the input
      const ConnId c = pick_conn(w, in);
      const std::uint8_t sel = in.u8();
      const std::string args = in.string(256);
      const int k = sel % (kEventCount + 1);
      const std::string name =
          k < kEventCount ? std::string(protocol::event_name(static_cast<protocol::Event>(k)))
                          : "no_such_event";
      const bool is_auth = k == static_cast<int>(protocol::Event::login) ||
                           k == static_cast<int>(protocol::Event::login_challenge_response);
      const auto a = rig.call(c, name, args, (sel & 0x80) != 0);
      if (is_auth && !a.success) w.failed_login.insert(c);
      break;
    }
    case 5:  // the clock jumps: timers (schedules, self-destruct, lockouts) fire
      rig.advance(static_cast<unm::server::Micros>(in.u16()) * 1'000'000);
      break;
    case 6: {  // friend request
      const ConnId c = pick_conn(w, in);
      rig.call1(c, "send_friend_request", R"({"username":)" + name_json(pick_user(w, in)) + "}");
      break;
    }
    case 7: {  // answer a friend request
      const ConnId c = pick_conn(w, in);
      const bool accept = in.boolean();
      rig.call1(c, "ack_friend_request",
                R"({"username":)" + name_json(pick_user(w, in)) + R"(,"accept":)" +
                    (accept ? "true" : "false") + "}");
      break;
    }
    case 8: {  // create a DM with a well-formed tree for 1-3 targets
      const ConnId c = pick_conn(w, in);
      const std::size_t n = 1 + in.below(3);
      std::string names = "[";
      std::string msgs = "[";
      for (std::size_t i = 0; i < n; ++i) {
        const RigUser& u = pick_user(w, in);
        if (i != 0) {
          names += ",";
          msgs += ",";
        }
        names += name_json(u);
        msgs += R"({"spk":")" + u.spk_pub + R"(","ek":")" + rig.random_key() + R"("})";
      }
      const std::size_t leaves = n + 1 <= 2 ? 2 : 4;
      std::string tree = "[";
      for (std::size_t i = 0; i < 2 * leaves - 2; ++i) {
        tree += (i == 0 ? "\"" : ",\"") + rig.random_key() + "\"";
      }
      rig.call1(c, "create_dm",
                R"({"usernames":)" + names + R"(],"messages":)" + msgs + R"(],"key_tree":)" + tree +
                    "]}");
      break;
    }
    case 9: {  // send a message, signed by the connection's user when logged in
      const ConnId c = pick_conn(w, in);
      const std::size_t dm = 1 + in.below(4);
      const std::string hex = "00ff" + std::string(2 * in.below(8), 'a');
      const auto as = rig.logged_in_as(c);
      const RigUser* signer = &w.users[0];
      for (const auto& u : w.users)
        if (as && u.name == *as) signer = &u;
      const std::int64_t schedule = in.below(3) * 30;
      const std::int64_t del = in.below(3) * 45;
      rig.call1(c, "send_message",
                R"({"id":)" + std::to_string(dm) + R"(,"message":")" + hex + R"(","signature":")" +
                    rig.sign(*signer, hex) + R"(","schedule":)" + std::to_string(schedule) +
                    R"(,"delete":)" + std::to_string(del) + "}");
      break;
    }
    case 10: {  // an event with no or a fixed small payload: queries and simple changes
      const ConnId c = pick_conn(w, in);
      static constexpr const char* kCalls[][2] = {
          {"get_dms", "{}"},
          {"get_friends", "{}"},
          {"get_friend_requests", "{}"},
          {"get_user_list", "{}"},
          {"get_dm", R"({"id":1})"},
          {"leave_dm", R"({"id":1})"},
          {"get_message", R"({"id":1})"},
          {"get_message_history", R"({"id":1,"cursor":0,"count":10})"},
          {"add_reaction", R"({"id":1,"reaction":"f09f918d"})"},
          {"ping_typing", R"({"id":1})"},
          {"join_call", R"({"id":1,"uuid":"c1"})"},
          {"leave_call", R"({"id":1})"},
          {"set_user", R"({"status":"away"})"},
          {"get_pinned", R"({"id":1})"},
      };
      const auto& call = kCalls[in.below(std::size(kCalls))];
      rig.call1(c, call[0], call[1]);
      break;
    }
    default: {  // block / unfriend / unblock
      const ConnId c = pick_conn(w, in);
      static constexpr const char* kEvents[] = {"block_user", "unfriend", "unblock"};
      rig.call1(c, kEvents[in.below(3)], R"({"username":)" + name_json(pick_user(w, in)) + "}");
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!unm::crypto::init()) return 0;
  ByteReader in(data, size);
  ServerRig rig(in.u8());
  World w{rig, {}, {}, {}, {}};
  for (const char* name : {"alice", "bob", "carol", "dave"}) w.users.push_back(rig.make_user(name));
  for (std::size_t i = 0; i < kMaxSteps && !in.empty(); ++i) step(w, in);
  // Every connection leaves; the server ends with nobody online.
  for (const ConnId c : w.conns) rig.disconnect(c);
  UNM_FUZZ_CHECK(rig.server().online_user_count() == 0);
  UNM_FUZZ_CHECK(rig.server().connection_count() == 0);
  return 0;
}
