// model_test.cc — a RapidCheck stateful (model-based) test: random sequences of friend, block,
// request, DM membership and message operations by four users, each checked against a small
// executable model of events.md (§4, §5, §8) — result, notifications and the observable lists.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <array>
#include <map>
#include <ostream>

#include "reference/server/test_support.h"

namespace unm::server::testing {
namespace {

constexpr int kUsers = 4;
const std::array<std::string, kUsers> kNames{"u0", "u1", "u2", "u3"};

// Model — relations per ordered pair (§8.1) and DMs (member lists in position order).
struct Model {
  std::array<std::array<Relation, kUsers>, kUsers> rel{};
  std::vector<std::vector<int>> dms;
  std::vector<int> messages;  // per DM

  bool friends(int a, int b) const { return rel[a][b] == Relation::friends; }
  bool member(int d, int u) const {
    return std::find(dms[d].begin(), dms[d].end(), u) != dms[d].end();
  }
};

// Sut — the server with four logged-in users, one connection each.
struct Sut {
  Harness h;
  std::array<TestUser, kUsers> users;
  std::array<ConnId, kUsers> conns{};
  Sut() {
    for (int i = 0; i < kUsers; ++i) conns[i] = h.signed_up(users[i], kNames[i]);
    h.drain_all();
  }
  // expect_notes checks that exactly the listed (user, notification) pairs arrived, in order per
  // user.
  void expect_notes(const std::multimap<int, std::string>& want) {
    for (int u = 0; u < kUsers; ++u) {
      std::vector<std::string> expected;
      for (auto [it, end] = want.equal_range(u); it != end; ++it) expected.push_back(it->second);
      RC_ASSERT(Harness::names(h.drain(conns[u])) == expected);
    }
  }
  std::vector<std::string> list(int u, const char* event) {
    const auto r = h.call(conns[u], event, "{}");
    RC_ASSERT(r.success);
    std::vector<std::string> out;
    for (const auto& v : r.result.GetArray()) out.emplace_back(v.GetString());
    std::sort(out.begin(), out.end());
    return out;
  }
  // check_views compares what user u sees of relations and DMs with the model.
  void check_views(const Model& m, int u) {
    std::vector<std::string> friends, blocked, out, in;
    for (int v = 0; v < kUsers; ++v) {
      if (m.rel[u][v] == Relation::friends) friends.push_back(kNames[v]);
      if (m.rel[u][v] == Relation::block) blocked.push_back(kNames[v]);
      if (m.rel[u][v] == Relation::request) out.push_back(kNames[v]);
      if (m.rel[v][u] == Relation::request) in.push_back(kNames[v]);
    }
    RC_ASSERT(list(u, "get_friends") == friends);
    RC_ASSERT(list(u, "get_blocked") == blocked);
    RC_ASSERT(list(u, "get_outgoing_requests") == out);
    RC_ASSERT(list(u, "get_friend_requests") == in);
    std::string dms = "[";
    for (std::size_t d = 0; d < m.dms.size(); ++d) {
      if (!m.member(static_cast<int>(d), u)) continue;
      // Appended: GCC 12 at -O3 warns falsely (-Wrestrict) about `"text" + std::string`.
      if (dms.size() > 1) dms += ',';
      dms += std::to_string(d + 1);
    }
    dms += "]";
    const auto r = h.call(conns[u], "get_dms", "{}");
    RC_ASSERT(json_text(r.result) == dms);
  }
};

using Cmd = rc::state::Command<Model, Sut>;

// FriendOp — one of the six §8 actions by `actor` on `target` (possibly itself).
struct FriendOp : Cmd {
  enum Kind { send, accept, refuse, unfriend, block, unblock };
  int actor = *rc::gen::inRange(0, kUsers);
  int target = *rc::gen::inRange(0, kUsers);
  Kind kind = static_cast<Kind>(*rc::gen::inRange(0, 6));

  // predict applies the rules to a copy of the model: success and notifications.
  bool predict(Model& m, std::multimap<int, std::string>& notes) const {
    const int a = actor;
    const int b = target;
    auto& ab = m.rel[a][b];
    auto& ba = m.rel[b][a];
    switch (kind) {
      case send:
        if (a == b || ba == Relation::block || ab == Relation::friends || ab == Relation::request ||
            ba == Relation::request) {
          return false;
        }
        ab = Relation::request;
        notes.emplace(b, "friend_request_notification");
        return true;
      case accept:
      case refuse:
        if (a == b || ba != Relation::request) return false;
        if (kind == accept) {
          ab = Relation::friends;
          ba = Relation::friends;
        } else {
          ba = Relation::none;
        }
        notes.emplace(b, "friend_request_accept_notification");
        return true;
      case unfriend:
        if (a == b || ab != Relation::friends) return false;
        ab = Relation::none;
        ba = Relation::none;
        notes.emplace(b, "unfriend_notification");
        notes.emplace(a, "unfriend_notification");
        return true;
      case block:
        if (a == b || ab == Relation::block) return false;
        if (ab == Relation::friends) ba = Relation::none;
        ab = Relation::block;
        return true;
      case unblock:
        if (a == b || ab != Relation::block) return false;
        ab = Relation::none;
        return true;
    }
    return false;
  }
  void apply(Model& m) const override {
    std::multimap<int, std::string> notes;
    predict(m, notes);
  }
  void run(const Model& m, Sut& s) const override {
    Model next = m;
    std::multimap<int, std::string> notes;
    const bool ok = predict(next, notes);
    static constexpr const char* kEvents[] = {"send_friend_request", "ack_friend_request",
                                              "ack_friend_request",  "unfriend",
                                              "block_user",          "unblock"};
    std::string payload = R"({"username":")" + kNames[target] + "\"";
    if (kind == accept) payload += R"(,"accept":true)";
    if (kind == refuse) payload += R"(,"accept":false)";
    payload += "}";
    RC_ASSERT(s.h.call(s.conns[actor], kEvents[kind], payload).success == ok);
    s.expect_notes(notes);
    s.check_views(next, actor);
    s.check_views(next, target);
  }
  void show(std::ostream& os) const override {
    os << "friend op " << kind << " " << kNames[actor] << " -> " << kNames[target];
  }
};

// CreateDm — `actor` creates a DM with one or two other users.
struct CreateDm : Cmd {
  int actor = *rc::gen::inRange(0, kUsers);
  std::vector<int> targets;
  CreateDm() {
    const int first = (actor + *rc::gen::inRange(1, kUsers)) % kUsers;
    targets.push_back(first);
    if (*rc::gen::arbitrary<bool>()) {
      int second = (actor + *rc::gen::inRange(1, kUsers)) % kUsers;
      if (second != first) targets.push_back(second);
    }
  }
  bool predict(const Model& m) const {
    if (targets.size() != 1) return true;  // EV-DM-006: groups need no relation
    const int t = targets[0];
    if (!m.friends(actor, t)) return false;  // EV-DM-005
    for (const auto& d : m.dms) {
      if (d.size() == 2 && std::find(d.begin(), d.end(), actor) != d.end() &&
          std::find(d.begin(), d.end(), t) != d.end()) {
        return false;
      }
    }
    return true;
  }
  void apply(Model& m) const override {
    if (!predict(m)) return;
    std::vector<int> members{actor};
    members.insert(members.end(), targets.begin(), targets.end());
    m.dms.push_back(members);
    m.messages.push_back(0);
  }
  void run(const Model& m, Sut& s) const override {
    const bool ok = predict(m);
    std::string names = "[";
    std::string msgs = "[";
    for (std::size_t i = 0; i < targets.size(); ++i) {
      names += (i ? ",\"" : "\"") + kNames[targets[i]] + "\"";
      msgs += std::string(i ? "," : "") + R"({"spk":")" + s.users[targets[i]].spk_pub +
              R"(","ek":")" + s.h.random_key() + R"("})";
    }
    const auto r = s.h.call(s.conns[actor], "create_dm",
                            R"({"usernames":)" + names + R"(],"messages":)" + msgs +
                                R"(],"key_tree":[")" + s.h.random_key() + R"("]})");
    RC_ASSERT(r.success == ok);
    std::multimap<int, std::string> notes;
    if (ok) {
      RC_ASSERT(r.result.GetInt64() == static_cast<std::int64_t>(m.dms.size() + 1));
      for (int t : targets) notes.emplace(t, "x3dh_notification");  // all targets are online
    }
    s.expect_notes(notes);
  }
  void show(std::ostream& os) const override {
    os << "create_dm by " << kNames[actor] << " with";
    for (int t : targets) os << " " << kNames[t];
  }
};

// LeaveDm — `actor` leaves DM `dm` (member or not).
struct LeaveDm : Cmd {
  int actor = *rc::gen::inRange(0, kUsers);
  int dm = 0;
  explicit LeaveDm(const Model& m) {
    RC_PRE(!m.dms.empty());
    dm = *rc::gen::inRange<int>(0, static_cast<int>(m.dms.size()));
  }
  void apply(Model& m) const override {
    if (!m.member(dm, actor)) return;
    std::erase(m.dms[dm], actor);
  }
  void run(const Model& m, Sut& s) const override {
    const bool ok = m.member(dm, actor);
    const auto r = s.h.call(s.conns[actor], "leave_dm", R"({"id":)" + std::to_string(dm + 1) + "}");
    RC_ASSERT(r.success == ok);
    std::multimap<int, std::string> notes;
    if (ok) {
      for (int u : m.dms[dm]) {
        if (u != actor) notes.emplace(u, "dm_notification");
      }
    }
    s.expect_notes(notes);
    Model next = m;
    apply(next);
    s.check_views(next, actor);
  }
  void show(std::ostream& os) const override {
    os << "leave_dm " << dm + 1 << " by " << kNames[actor];
  }
};

// SendMessage — `actor` sends a message to DM `dm`.
struct SendMessage : Cmd {
  int actor = *rc::gen::inRange(0, kUsers);
  int dm = 0;
  explicit SendMessage(const Model& m) {
    RC_PRE(!m.dms.empty());
    dm = *rc::gen::inRange<int>(0, static_cast<int>(m.dms.size()));
  }
  bool predict(const Model& m) const {
    if (!m.member(dm, actor)) return false;  // EV-MSG-002
    const auto& d = m.dms[dm];
    return d.size() != 2 || m.friends(d[0], d[1]);  // EV-MSG-003
  }
  void apply(Model& m) const override {
    if (predict(m)) ++m.messages[dm];
  }
  void run(const Model& m, Sut& s) const override {
    const bool ok = predict(m);
    RC_ASSERT(s.h.send(s.conns[actor], s.users[actor], dm + 1, "abcd").success == ok);
    std::multimap<int, std::string> notes;
    if (ok) {
      for (int u : m.dms[dm]) notes.emplace(u, "message_notification");
    }
    s.expect_notes(notes);
    if (ok) {
      const auto page = s.h.call(s.conns[actor], "get_message_history",
                                 R"({"id":)" + std::to_string(dm + 1) +
                                     R"(,"cursor":"2100-01-01T00:00:00Z","count":100})");
      RC_ASSERT(page.result.Size() == static_cast<rapidjson::SizeType>(m.messages[dm] + 1));
    }
  }
  void show(std::ostream& os) const override {
    os << "send to dm " << dm + 1 << " by " << kNames[actor];
  }
};

RC_GTEST_PROP(ServerModel, RandomOperationSequencesMatchTheModel, ()) {
  Model initial;
  Sut sut;
  rc::state::check(initial, sut,
                   rc::state::gen::execOneOfWithArgs<FriendOp, FriendOp, FriendOp, CreateDm,
                                                     LeaveDm, SendMessage>());
}

}  // namespace
}  // namespace unm::server::testing
