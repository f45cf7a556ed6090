// peer.cc — see peer.h.
#include "conformance/peer/peer.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "reference/client/objects.h"

namespace unm::conformance::peer {

using client::ContentStatus;
using observe::Finding;
using observe::Severity;
using observe::Side;

std::string join_error_clause(const client::Error& e) {
  const std::string& d = e.detail;
  auto has = [&](std::string_view w) { return d.find(w) != std::string::npos; };
  if (has("key backup failed")) return "CR-STORE-001";
  if (has("ik is not") || has("spk is not")) return "CR-X3DH-004";
  if (has("ek is not") || has("invalid_point")) return "CR-KEY-004";
  if (has("leaf_mismatch")) return "CR-TREE-007";
  if (has("key_tree") || has("bad_tree_length") || has("position_out_of_range")) {
    return "CR-TREE-006";
  }
  if (has("cannot fetch sender key")) return "EV-USR-002";
  return "CR-TREE-005";  // the tree did not yield a usable group secret
}

std::string content_clause(ContentStatus s) {
  switch (s) {
    case ContentStatus::ok:
      return {};
    case ContentStatus::bad_signature:
      return "CR-SIG-002";
    case ContentStatus::undecryptable:
      return "CR-AEAD-001";
    case ContentStatus::unknown_dm:
      return "CR-X3DH-001";
    case ContentStatus::unknown_sender:
      return "EV-USR-002";
  }
  return "CR-SIG-002";
}

Peer::Peer(client::Session& session, std::string echo_prefix, FindingHook on_finding,
           EventHook on_event)
    : s_(&session),
      echo_prefix_(std::move(echo_prefix)),
      on_finding_(std::move(on_finding)),
      on_event_(std::move(on_event)) {
  stats_.sessions = 1;
}

void Peer::event(const std::string& line) {
  if (on_event_) on_event_(line);
}

void Peer::checked(Side side, const std::string& clause) {
  auto& m = side == Side::client ? stats_.client_clauses : stats_.server_clauses;
  ++m[clause].checked;
}

void Peer::add_finding(Side side, Severity sev, const std::string& clause,
                       const std::string& message, const std::string& frame) {
  Finding f;
  f.side = side;
  f.severity = sev;
  f.clause = clause;
  f.session = "peer";
  f.user = s_->username();
  f.at = std::chrono::system_clock::now();
  f.message = message;
  if (!frame.empty()) {
    f.frames.push_back({f.at, observe::Direction::to_client, observe::clip(frame)});
  }
  auto& m = side == Side::client ? stats_.client_clauses : stats_.server_clauses;
  auto& n = m[clause];
  if (n.checked == 0) n.checked = 1;
  (sev == Severity::fail ? n.failed : n.non_strict) += 1;
  findings_.push_back(f);
  if (on_finding_) on_finding_(findings_.back());
}

void Peer::start() {
  client::Handlers h;
  h.on_friend_request = [this](const std::string& from) { to_accept_.push_back(from); };
  h.on_dm = [this](const client::Dm& dm) {
    for (const auto& u : dm.users) {
      if (u == s_->username()) member_of_.insert(dm.id);
    }
  };
  h.on_dm_joined = [this](const client::DmJoined& j) {
    member_of_.insert(j.dm_id);
    for (const char* c : {"CR-X3DH-004", "CR-TREE-006", "CR-TREE-007"}) checked(Side::client, c);
    if (!j.error) {
      ++counts_.dms_joined;
      if (!first_dm_) {
        first_dm_ = j.dm_id;
        first_inviter_ = j.sender;
      }
      event("joined DM " + std::to_string(j.dm_id) + " (invited by " + j.sender + ")");
      // EV-DM-030: what was sent before the key arrived is read from the history.
      joined_to_read_.push_back(j.dm_id);
      return;
    }
    const std::string clause = join_error_clause(*j.error);
    if (clause == "CR-STORE-001") {
      // The key is usable; only the backup to the server failed.
      ++counts_.dms_joined;
      joined_to_read_.push_back(j.dm_id);
      add_finding(Side::server, Severity::fail, clause,
                  "DM " + std::to_string(j.dm_id) + ": " + client::describe(*j.error), "");
      return;
    }
    ++counts_.dms_refused;
    add_finding(Side::client, Severity::fail, clause,
                "X3DH invitation to DM " + std::to_string(j.dm_id) + " from " + j.sender +
                    " refused: " + client::describe(*j.error),
                "");
  };
  h.on_message = [this](const client::ReadMessage& m) { check_message(m, true); };
  h.on_message_change = [this](const client::ReadMessage& m) { check_message(m, false); };
  h.on_malformed = [this](const client::MalformedNotification& n) {
    add_finding(Side::server, Severity::fail, "EV-TRN-028",
                "notification " + n.name + " could not be read: " + n.detail, n.args_json);
  };
  s_->set_handlers(std::move(h));
  if (auto pending = s_->get_friend_requests()) {
    for (auto& u : *pending) to_accept_.push_back(u);
  }
  if (auto dms = s_->get_dms()) {
    for (auto id : *dms) member_of_.insert(id);
  }
}

void Peer::check_message(const client::ReadMessage& m, bool is_new) {
  if (m.raw.sender == s_->username()) {  // our own echo (or scripted message) coming back
    if (m.status == ContentStatus::ok && is_new) last_own_[m.raw.dm_id] = m.raw.id;
    return;
  }
  if (is_new) last_received_[m.raw.dm_id] = std::max(last_received_[m.raw.dm_id], m.raw.id);
  member_of_.insert(m.raw.dm_id);
  for (const auto& r : m.reactions) check_reaction(r, m);
  if (m.status == ContentStatus::unknown_dm) {
    // Held by the library until the key arrives (EV-DM-030); judged at finish() otherwise.
    unreadable_.emplace(m.raw.id, m);
    return;
  }
  unreadable_.erase(m.raw.id);
  const auto seen = seen_messages_.find(m.raw.id);
  const bool first = seen == seen_messages_.end();
  // A change notification with the same ciphertext is a reaction or pin change: already judged.
  // A new ciphertext under a known id is an edit (EV-MSG-021) or a replacement (EV-MSG-029).
  if (!first && seen->second == m.raw.message) return;
  seen_messages_[m.raw.id] = m.raw.message;
  if (first) ++counts_.messages;
  checked(Side::client, "CR-SIG-002");
  checked(Side::client, "CR-AEAD-001");
  const std::string where = "message " + std::to_string(m.raw.id) + " in DM " +
                            std::to_string(m.raw.dm_id) + " from " + m.raw.sender;
  if (m.status == ContentStatus::ok) {
    ++stats_.signatures_verified;
    if (first) ++counts_.messages_ok;
    event(where +
          (first    ? ": ok \""
           : is_new ? ": replaced, ok \""
                    : ": edited, ok \"") +
          m.text + "\"");
    // An echo is not echoed again: two peers (or a peer and an echo bot) would loop forever.
    if (first && m.text.rfind(echo_prefix_, 0) != 0) {
      to_echo_.push_back({m.raw.dm_id, echo_prefix_ + m.text});
    }
    return;
  }
  const std::string clause = content_clause(m.status);
  const Side side = m.status == ContentStatus::unknown_sender ? Side::server : Side::client;
  if (m.status == ContentStatus::unknown_sender) ++stats_.signatures_unchecked;
  add_finding(side, Severity::fail, clause,
              where + ": " + std::string(client::content_status_name(m.status)) +
                  (m.status == ContentStatus::bad_signature
                       ? " (the signature does not verify over the ciphertext under the "
                         "sender's registered key)"
                   : m.status == ContentStatus::undecryptable
                       ? " (signature fine; the AES-GCM tag does not match under the DM "
                         "key, or the plaintext is not UTF-8)"
                       : ""),
              client::message_to_json(m.raw));
}

void Peer::check_reaction(const client::ReadReaction& r, const client::ReadMessage& m) {
  if (r.raw.sender == s_->username()) return;
  if (r.status == ContentStatus::unknown_dm) return;  // judged with its message
  if (!seen_reactions_.insert(r.raw.id).second) return;
  ++counts_.reactions;
  checked(Side::client, "CR-SIG-002");
  checked(Side::client, "CR-AEAD-001");
  const std::string where = "reaction " + std::to_string(r.raw.id) + " on message " +
                            std::to_string(m.raw.id) + " from " + r.raw.sender;
  if (r.status == ContentStatus::ok) {
    ++stats_.signatures_verified;
    ++counts_.reactions_ok;
    event(where + ": ok \"" + r.text + "\"");
    return;
  }
  const Side side = r.status == ContentStatus::unknown_sender ? Side::server : Side::client;
  add_finding(side, Severity::fail, content_clause(r.status),
              where + ": " + std::string(client::content_status_name(r.status)),
              client::message_to_json(m.raw));
}

bool Peer::step(std::chrono::milliseconds wait) {
  stats_.notifications += s_->process_notifications(wait);
  // Each list is moved out first: the calls below may handle notifications that add to it.
  for (auto who : std::exchange(to_accept_, {})) {
    ++stats_.requests;
    if (auto r = s_->ack_friend_request(who, true); r) {
      ++counts_.friends_accepted;
      event("accepted the friend request of " + who);
    } else {
      event("could not accept the friend request of " + who + ": " + client::describe(r.error()));
    }
  }
  for (auto dm : std::exchange(joined_to_read_, {})) {
    ++stats_.requests;
    if (auto h = s_->get_message_history(dm, "", 50)) {
      for (const auto& m : *h) check_message(m, true);
    }
  }
  for (auto e : std::exchange(to_echo_, {})) {
    ++stats_.requests;
    if (auto r = s_->send_message(e.dm_id, e.text); r) {
      ++counts_.echoes;
      event("echoed in DM " + std::to_string(e.dm_id));
    } else {
      event("could not echo in DM " + std::to_string(e.dm_id) + ": " + client::describe(r.error()));
    }
  }
  return !s_->disconnected();
}

std::optional<std::int64_t> Peer::last_own(std::int64_t dm) const {
  const auto it = last_own_.find(dm);
  if (it == last_own_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::int64_t> Peer::last_received(std::int64_t dm) const {
  const auto it = last_received_.find(dm);
  if (it == last_received_.end()) return std::nullopt;
  return it->second;
}

const std::vector<Finding>& Peer::finish() {
  s_->process_notifications(std::chrono::milliseconds(0));
  for (const auto& [id, m] : unreadable_) {
    checked(Side::client, "CR-X3DH-001");
    add_finding(Side::client, Severity::fail, "CR-X3DH-001",
                "message " + std::to_string(id) + " in DM " + std::to_string(m.raw.dm_id) +
                    " from " + m.raw.sender +
                    " never became readable: no x3dh_notification gave the peer this DM's key",
                client::message_to_json(m.raw));
  }
  for (auto dm : member_of_) {
    bool reported = false;
    for (const auto& [id, m] : unreadable_) reported |= m.raw.dm_id == dm;
    if (reported || s_->keys().dm_key(dm) != nullptr) continue;
    checked(Side::client, "CR-X3DH-001");
    add_finding(Side::client, Severity::fail, "CR-X3DH-001",
                "the peer is a member of DM " + std::to_string(dm) +
                    " but never received its key (no x3dh_notification)",
                "");
  }
  unreadable_.clear();
  return findings_;
}

}  // namespace unm::conformance::peer
