// generator.cc — see generator.h.
#include "conformance/explore/generator.h"

#include <algorithm>
#include <array>

namespace unm::conformance::explore {

namespace {

bool user_ok(const Model& m, int u) {
  return u >= 0 && u < m.users;
}

// created: a message that exists now (sent, not yet self-destructed).
bool created(const Model::Message& msg, Micros now) {
  return !msg.scheduled || msg.due <= now;
}

}  // namespace

bool applicable(const Op& op, const Model& m) {
  if (!user_ok(m, op.user) || op.slot < 0 || op.slot > 1) return false;
  if (op.other >= 0 && (!user_ok(m, op.other) || op.other == op.user)) return false;
  for (int u : op.members) {
    if (!user_ok(m, u) || u == op.user) return false;
  }
  const bool on = m.online[static_cast<std::size_t>(op.user)][static_cast<std::size_t>(op.slot)];
  if (op.kind == OpKind::login) return !on;
  if (!on) return false;
  switch (op.kind) {
    case OpKind::create_dm:
      return !op.members.empty() && m.dms.count(op.dm) == 0;
    case OpKind::send:
    case OpKind::burst:
      return m.dms.count(op.dm) != 0 && m.messages.count(op.msg) == 0;
    case OpKind::react:
      return m.messages.count(op.msg) != 0 && m.reactions.count(op.rct) == 0;
    case OpKind::unreact:
      return m.reactions.count(op.rct) != 0;
    case OpKind::edit:
    case OpKind::pin:
    case OpKind::get_message:
    case OpKind::cancel_scheduled:
      return m.messages.count(op.msg) != 0;
    case OpKind::pin_many:
      return m.dms.count(op.dm) != 0 && op.count > 0;
    case OpKind::get_dm:
    case OpKind::set_dm:
    case OpKind::leave_dm:
    case OpKind::typing:
    case OpKind::history:
    case OpKind::pinned:
    case OpKind::join_call:
    case OpKind::leave_call:
      return m.dms.count(op.dm) != 0 && (op.cursor < 0 || m.messages.count(op.cursor) != 0);
    default:
      return true;
  }
}

void reserve(Model& m, const Op& op) {
  if (op.kind == OpKind::create_dm) m.next_dm = std::max(m.next_dm, op.dm + 1);
  if (op.kind == OpKind::send) m.next_msg = std::max(m.next_msg, op.msg + 1);
  if (op.kind == OpKind::burst) m.next_msg = std::max(m.next_msg, op.msg + std::max(1, op.count));
  if (op.kind == OpKind::react) m.next_rct = std::max(m.next_rct, op.rct + 1);
}

void apply(Model& m, const Op& op, const std::vector<Exchange>& ex, Micros now) {
  const int u = op.user;
  const bool ok = !ex.empty() && ex.back().success;
  auto pair = [](int a, int b) { return std::make_pair(std::min(a, b), std::max(a, b)); };
  switch (op.kind) {
    case OpKind::login:
      m.online[static_cast<std::size_t>(u)][static_cast<std::size_t>(op.slot)] =
          ok && ex.size() == 2;
      return;
    case OpKind::logout:
      m.online[static_cast<std::size_t>(u)][static_cast<std::size_t>(op.slot)] = false;
      // EV-CALL-010: the calls this connection joined end for the user.
      for (auto& [id, d] : m.dms) {
        auto it = d.in_call.find(u);
        if (it != d.in_call.end() && it->second == op.slot) d.in_call.erase(it);
      }
      return;
    default:
      break;
  }
  if (!ok && op.kind != OpKind::burst && op.kind != OpKind::pin_many) return;
  switch (op.kind) {
    case OpKind::friend_request:
      m.requests.insert({u, op.other});
      m.blocks.erase({u, op.other});
      return;
    case OpKind::answer_request:
      m.requests.erase({op.other, u});
      if (op.flag) {
        m.friends.insert(pair(u, op.other));
        m.blocks.erase({u, op.other});
      }
      return;
    case OpKind::unfriend:
      m.friends.erase(pair(u, op.other));
      return;
    case OpKind::block:
      m.friends.erase(pair(u, op.other));
      m.requests.erase({u, op.other});
      m.blocks.insert({u, op.other});
      return;
    case OpKind::unblock:
      m.blocks.erase({u, op.other});
      return;
    case OpKind::create_dm: {
      Model::Dm d;
      d.members.push_back(u);
      d.members.insert(d.members.end(), op.members.begin(), op.members.end());
      m.dms[op.dm] = d;
      return;
    }
    case OpKind::leave_dm: {
      auto& d = m.dms[op.dm];
      d.members.erase(std::remove(d.members.begin(), d.members.end(), u), d.members.end());
      d.in_call.erase(u);
      // EV-DM-027: the leaver's pending scheduled messages are cancelled.
      for (auto it = m.messages.begin(); it != m.messages.end();) {
        if (it->second.dm == op.dm && it->second.sender == u && it->second.scheduled &&
            it->second.due > now) {
          it = m.messages.erase(it);
        } else {
          ++it;
        }
      }
      return;
    }
    case OpKind::send:
    case OpKind::burst:
      for (std::size_t i = 0; i < ex.size(); ++i) {
        if (!ex[i].success) continue;
        Model::Message msg;
        msg.dm = op.dm;
        msg.sender = u;
        msg.scheduled = op.schedule > 0;
        msg.due = now + static_cast<Micros>(op.schedule) * 1'000'000;
        msg.self_destructs = op.del > 0;
        m.messages[op.msg + static_cast<int>(i)] = msg;
      }
      return;
    case OpKind::pin:
      m.messages[op.msg].pinned = op.flag;
      return;
    case OpKind::pin_many:
      for (int k = op.msg; k < op.msg + op.count; ++k) {
        if (m.messages.count(k)) m.messages[k].pinned = true;
      }
      return;
    case OpKind::cancel_scheduled:
      m.messages.erase(op.msg);
      return;
    case OpKind::react:
      m.reactions[op.rct] = Model::Reaction{op.msg, u};
      return;
    case OpKind::unreact:
      m.reactions.erase(op.rct);
      return;
    case OpKind::join_call:
      m.dms[op.dm].in_call[u] = op.slot;
      return;
    case OpKind::leave_call:
      m.dms[op.dm].in_call.erase(u);
      return;
    default:
      return;
  }
}

Op Generator::next(Model& m) {
  // Weighted choice of a kind whose preconditions can be met; a few tries, then a harmless
  // read (get_dms) of somebody online, or a login.
  struct Weighted {
    OpKind kind;
    int weight;
  };
  static const std::array<Weighted, 30> kWeights{{
      {OpKind::login, 8},
      {OpKind::logout, 3},
      {OpKind::friend_request, 8},
      {OpKind::answer_request, 8},
      {OpKind::unfriend, 2},
      {OpKind::block, 2},
      {OpKind::unblock, 2},
      {OpKind::relations, 3},
      {OpKind::get_user, 2},
      {OpKind::user_list, 1},
      {OpKind::set_user, 2},
      {OpKind::create_dm, 8},
      {OpKind::get_dms, 2},
      {OpKind::get_dm, 3},
      {OpKind::set_dm, 2},
      {OpKind::leave_dm, 1},
      {OpKind::typing, 2},
      {OpKind::send, 14},
      {OpKind::burst, 1},
      {OpKind::edit, 3},
      {OpKind::pin, 4},
      {OpKind::pin_many, 2},
      {OpKind::get_message, 2},
      {OpKind::history, 5},
      {OpKind::pinned, 3},
      {OpKind::cancel_scheduled, 2},
      {OpKind::react, 4},
      {OpKind::unreact, 2},
      {OpKind::join_call, 2},
      {OpKind::leave_call, 2},
  }};
  int total = 0;
  for (const auto& w : kWeights) total += std::max(1, w.weight * 4 / (4 + 3 * damp_[w.kind]));
  const Micros now = wall_now();
  for (int attempt = 0; attempt < 64; ++attempt) {
    int r = pick(total);
    OpKind kind = OpKind::get_dms;
    for (const auto& w : kWeights) {
      r -= std::max(1, w.weight * 4 / (4 + 3 * damp_[w.kind]));
      if (r < 0) {
        kind = w.kind;
        break;
      }
    }
    Op op;
    op.kind = kind;
    // The actor: somebody logged in on the chosen slot (a login: a slot that is not).
    std::vector<std::pair<int, int>> slots;
    for (int u = 0; u < m.users; ++u) {
      for (int s = 0; s < 2; ++s) {
        const bool on = m.online[static_cast<std::size_t>(u)][static_cast<std::size_t>(s)];
        // Second connections are rarer: most clients have one.
        if (s == 1 && !on && !chance(0.25)) continue;
        if ((kind == OpKind::login) != on) slots.emplace_back(u, s);
      }
    }
    if (slots.empty()) continue;
    std::tie(op.user, op.slot) =
        slots[static_cast<std::size_t>(pick(static_cast<int>(slots.size())))];
    const int u = op.user;
    auto others = [&] {
      std::vector<int> v;
      for (int o = 0; o < m.users; ++o) {
        if (o != u) v.push_back(o);
      }
      return v;
    }();
    // Mostly the actor's own DMs; sometimes any DM (one it left, or never joined): a valid
    // request the server must refuse (R-DMACCESS, R-MSGACCESS).
    const bool any_dm = chance(0.06);
    auto my_dms = [&] {
      std::vector<int> v;
      for (const auto& [id, d] : m.dms) {
        if (any_dm || m.member(id, u)) v.push_back(id);
      }
      return v;
    }();
    auto any_of = [&](const std::vector<int>& v) {
      return v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))];
    };
    auto dm_messages = [&](int dm, bool only_created) {
      std::vector<int> v;
      for (const auto& [id, msg] : m.messages) {
        if (msg.dm == dm && (!only_created || created(msg, now))) v.push_back(id);
      }
      return v;
    };
    switch (kind) {
      case OpKind::login:
      case OpKind::logout:
      case OpKind::get_dms:
      case OpKind::user_list:
        return op;
      case OpKind::relations:
        op.count = pick(4);
        return op;
      case OpKind::set_user:
        op.count = pick(2);
        if (op.count) {
          op.text = "bio " + std::to_string(pick(1000));
        } else {
          static const std::array<const char*, 4> kStatus{"online", "away", "dnd", "offline"};
          op.text = kStatus[static_cast<std::size_t>(pick(4))];  // EV-USR-008
        }
        return op;
      case OpKind::friend_request:
      case OpKind::get_user:
      case OpKind::block: {
        if (others.empty()) continue;
        op.other = any_of(others);
        return op;
      }
      case OpKind::answer_request: {
        std::vector<int> asked;
        for (int o : others) {
          if (m.requests.count({o, u})) asked.push_back(o);
        }
        if (asked.empty()) continue;
        op.other = any_of(asked);
        op.flag = chance(0.75);
        return op;
      }
      case OpKind::unfriend: {
        std::vector<int> fr;
        for (int o : others) {
          if (m.is_friend(u, o)) fr.push_back(o);
        }
        if (fr.empty()) continue;
        op.other = any_of(fr);
        return op;
      }
      case OpKind::unblock: {
        std::vector<int> bl;
        for (int o : others) {
          if (m.blocks.count({u, o})) bl.push_back(o);
        }
        if (bl.empty()) continue;
        op.other = any_of(bl);
        return op;
      }
      case OpKind::create_dm: {
        if (others.empty()) continue;
        std::vector<int> fr;
        for (int o : others) {
          if (m.is_friend(u, o)) fr.push_back(o);
        }
        std::shuffle(others.begin(), others.end(), rng_);
        if (!fr.empty() && chance(0.4)) {
          op.members = {any_of(fr)};  // a 1:1 DM needs a friendship (EV-DM-005)
        } else {
          // Group DMs of random sizes, the whole user set often enough to pass eight members.
          const int n = chance(0.3) ? static_cast<int>(others.size())
                                    : 1 + pick(static_cast<int>(others.size()));
          op.members.assign(others.begin(), others.begin() + n);
        }
        op.dm = m.next_dm++;
        return op;
      }
      case OpKind::send:
      case OpKind::burst: {
        if (my_dms.empty()) continue;
        op.dm = any_of(my_dms);
        op.msg = m.next_msg;
        if (kind == OpKind::burst) {
          // Around the cap of 100 most of the time (EV-MSG-016).
          op.count = chance(0.7) ? 95 + pick(std::max(1, options_.max_burst - 94)) : 2 + pick(20);
          op.count = std::min(op.count, options_.max_burst);
          m.next_msg += op.count;
        } else {
          m.next_msg += 1;
          if (options_.timers && chance(0.15)) {
            op.schedule = options_.long_timers && chance(0.1) ? 61 : 1 + pick(3);
          }
          if (options_.timers && chance(0.12)) op.del = 1 + pick(3);
        }
        return op;
      }
      case OpKind::edit:
      case OpKind::pin:
      case OpKind::get_message:
      case OpKind::react: {
        if (my_dms.empty()) continue;
        op.dm = any_of(my_dms);
        auto msgs = dm_messages(op.dm, true);
        if (msgs.empty()) continue;
        if (kind == OpKind::edit) {
          std::vector<int> mine;
          for (int id : msgs) {
            if (m.messages[id].sender == u) mine.push_back(id);
          }
          if (!mine.empty() && chance(0.9)) msgs = mine;
        }
        op.msg = any_of(msgs);
        if (kind == OpKind::pin) op.flag = !m.messages[op.msg].pinned || chance(0.2);
        if (kind == OpKind::react) op.rct = m.next_rct++;
        return op;
      }
      case OpKind::pin_many: {
        if (my_dms.empty()) continue;
        op.dm = any_of(my_dms);
        auto msgs = dm_messages(op.dm, true);
        if (msgs.size() < 2) continue;
        // A run of 4 … 13 messages from one in the older half on: more than ten pins (limits).
        std::sort(msgs.begin(), msgs.end());
        op.msg = msgs[static_cast<std::size_t>(pick(static_cast<int>(msgs.size() + 1) / 2))];
        op.count = 4 + pick(10);
        return op;
      }
      case OpKind::cancel_scheduled: {
        std::vector<int> pending;
        // Mostly one's own scheduled message; sometimes another member's (EV-MSG-025: refused).
        const bool others_too = chance(0.15);
        for (const auto& [id, msg] : m.messages) {
          if ((others_too || msg.sender == u) && msg.scheduled && msg.due > now + 500'000) {
            pending.push_back(id);
          }
        }
        if (pending.empty()) continue;
        op.msg = any_of(pending);
        op.dm = m.messages[op.msg].dm;
        return op;
      }
      case OpKind::unreact: {
        std::vector<int> mine;
        for (const auto& [id, reaction] : m.reactions) {
          if (reaction.sender == u) mine.push_back(id);
        }
        if (mine.empty()) continue;
        op.rct = any_of(mine);
        return op;
      }
      case OpKind::history: {
        if (my_dms.empty()) continue;
        op.dm = any_of(my_dms);
        static const std::array<int, 12> kCounts{0, 1, 2, 3, 5, 10, 50, 99, 100, 101, 150, 1000};
        op.count = kCounts[static_cast<std::size_t>(pick(static_cast<int>(kCounts.size())))];
        auto msgs = dm_messages(op.dm, true);
        if (!msgs.empty() && chance(0.35)) op.cursor = any_of(msgs);
        return op;
      }
      case OpKind::get_dm:
      case OpKind::set_dm:
      case OpKind::leave_dm:
      case OpKind::typing:
      case OpKind::pinned:
      case OpKind::join_call:
      case OpKind::leave_call: {
        if (my_dms.empty()) continue;
        op.dm = any_of(my_dms);
        if (kind == OpKind::set_dm)
          op.text = chance(0.2) ? "" : "room " + std::to_string(pick(100));
        if (kind == OpKind::join_call) op.text = "peer-" + std::to_string(pick(1'000'000));
        if (kind == OpKind::leave_call && !m.dms[op.dm].in_call.count(u) && chance(0.7)) continue;
        return op;
      }
    }
  }
  // Nothing applicable was found: log somebody in, or read.
  Op op;
  for (int u = 0; u < m.users; ++u) {
    if (!m.online[static_cast<std::size_t>(u)][0]) {
      op.kind = OpKind::login;
      op.user = u;
      return op;
    }
  }
  op.kind = OpKind::get_dms;
  return op;
}

}  // namespace unm::conformance::explore
