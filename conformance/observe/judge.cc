#include "conformance/observe/judge.h"

#include <algorithm>
#include <functional>

#include "conformance/observe/judge_impl.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/sign.h"
#include "reference/transport/sio_codec.h"

namespace unm::conformance::observe {

namespace sio = transport::sio;

namespace {
// kIvFrameMax bounds the frame text kept with each IV's first use.
constexpr std::size_t kIvFrameMax = 400;
}  // namespace

Scope::Scope(Judge::Impl& judge, Side side, const Connection& conn, Clock::time_point at,
             std::vector<FrameRecord> frames)
    : judge_(judge),
      side_(side),
      session_(Judge::Impl::session_name(conn.number)),
      user_(Judge::Impl::user_of(conn)),
      at_(at),
      frames_(std::move(frames)) {}

bool Scope::expect(bool ok, std::string_view clause, std::string_view message, Severity severity) {
  judge_.count(side_, clause, ok ? std::nullopt : std::optional<Severity>(severity));
  if (ok) return true;
  if (severity == Severity::fail) violated_.emplace_back(clause);
  Finding f;
  f.side = side_;
  f.severity = severity;
  f.clause = std::string(clause);
  f.session = session_;
  f.user = user_;
  f.at = at_;
  f.message = std::string(message);
  f.frames = frames_;
  judge_.add_finding(std::move(f));
  return false;
}

void Judge::Impl::add_finding(Finding f) {
  findings.push_back(std::move(f));
  if (hook) hook(findings.back());
}

void Judge::Impl::count(Side side, std::string_view clause, std::optional<Severity> failed) {
  auto& m = side == Side::client ? stats.client_clauses : stats.server_clauses;
  ClauseCount& c = m[std::string(clause)];
  ++c.checked;
  if (failed == Severity::fail) ++c.failed;
  if (failed == Severity::non_strict) ++c.non_strict;
}

Connection& Judge::Impl::conn(std::uint64_t n) {
  auto [it, fresh] = conns.try_emplace(n);
  if (fresh) it->second.number = n;
  return it->second;
}

std::string Judge::Impl::session_name(std::uint64_t n) {
  return "s" + std::to_string(n);
}

std::string Judge::Impl::user_of(const Connection& c) {
  if (c.state == Connection::State::logged_in) return c.user;
  return c.challenged_user;
}

void Judge::Impl::learn_keys(const std::string& username, const UserKeys& keys) {
  if (username.empty() || keys.public_key.empty()) return;
  UserKeys& k = users[username];
  k.public_key = keys.public_key;
  if (!keys.spk.empty()) {
    k.spk = keys.spk;
    k.sig = keys.sig;
  }
  // Signatures that waited for this key can now be judged.
  auto it = pending_sigs.find(username);
  if (it == pending_sigs.end()) return;
  std::vector<PendingSignature> waiting = std::move(it->second);
  pending_sigs.erase(it);
  for (PendingSignature& p : waiting) {
    Connection stand_in;  // the session may be gone; the finding names it from p
    Scope s(*this, p.side, stand_in, p.at, {p.frame});
    const bool ok = crypto::verify_hex(k.public_key, p.msg_hex, p.sig_hex).has_value();
    ++stats.signatures_verified;
    if (ok) {
      s.expect(true, p.clause, "");
      continue;
    }
    Finding f;
    f.side = p.side;
    f.clause = p.clause;
    f.session = p.session;
    f.user = p.user;
    f.at = p.at;
    f.message = p.what + " does not verify under " + username + "'s identity key " +
                k.public_key.substr(0, 16) + "…";
    f.frames = {p.frame};
    count(p.side, p.clause, Severity::fail);
    add_finding(std::move(f));
  }
}

void Judge::Impl::learn_user(const rapidjson::Value& u) {
  if (!u.IsObject()) return;
  const auto* name = u.FindMember("username") != u.MemberEnd() ? &u["username"] : nullptr;
  const auto* pk = u.FindMember("public_key") != u.MemberEnd() ? &u["public_key"] : nullptr;
  if (!name || !pk || !name->IsString() || !is_key_text(*pk)) return;
  UserKeys k;
  k.public_key = str(*pk);
  if (u.HasMember("spk") && is_key_text(u["spk"]) && u.HasMember("sig") && is_sig_text(u["sig"])) {
    k.spk = str(u["spk"]);
    k.sig = str(u["sig"]);
  }
  learn_keys(str(*name), k);
}

void Judge::Impl::learn_message(const rapidjson::Value& m) {
  if (!m.IsObject() || !m.HasMember("id") || !m.HasMember("dm_id")) return;
  if (!is_id(m["id"]) || !is_id(m["dm_id"])) return;
  message_dm[m["id"].GetInt64()] = m["dm_id"].GetInt64();
}

void Judge::Impl::check_signature(Scope& s, const std::string& signer, std::string_view clause,
                                  std::string what, const std::string& msg_hex,
                                  const std::string& sig_hex) {
  const std::string memo = signer + "|" + msg_hex + "|" + sig_hex;
  if (verified_sigs.count(std::hash<std::string>{}(memo))) {
    s.expect(true, clause, "");
    return;
  }
  auto it = users.find(signer);
  if (it == users.end() || it->second.public_key.empty()) {
    PendingSignature p;
    p.side = s.side();
    p.clause = std::string(clause);
    p.what = std::move(what);
    p.msg_hex = msg_hex;
    p.sig_hex = sig_hex;
    p.session = s.session();
    p.user = s.user();
    p.at = s.at();
    if (!s.frames().empty()) p.frame = s.frames().front();
    auto& v = pending_sigs[signer];
    if (v.size() < 1024) v.push_back(std::move(p));
    return;
  }
  ++stats.signatures_verified;
  const bool ok = crypto::verify_hex(it->second.public_key, msg_hex, sig_hex).has_value();
  if (ok) verified_sigs.insert(std::hash<std::string>{}(memo));
  s.expect(ok, clause,
           what + " does not verify under " + signer + "'s identity key " +
               it->second.public_key.substr(0, 16) + "…");
}

void Judge::Impl::record_iv(Scope& s, const std::string& key_scope, const std::string& sender,
                            const std::string& ciphertext_hex, std::string_view what) {
  if (ciphertext_hex.size() < 24) return;
  const std::string iv = ciphertext_hex.substr(0, 24);
  auto& seen = ivs[key_scope];
  const std::size_t hash = std::hash<std::string>{}(ciphertext_hex);
  auto it = seen.find(iv);
  if (it == seen.end() || it->second.ciphertext_hash == hash) {
    if (it == seen.end()) {
      // Every IV is kept for the whole observation: keep only the head of its frame.
      FrameRecord fr = s.frames().empty() ? FrameRecord{} : s.frames().front();
      if (fr.text.size() > kIvFrameMax) fr.text = fr.text.substr(0, kIvFrameMax) + "…";
      IvOrigin o{hash, sender, s.session(), std::move(fr)};
      seen.emplace(iv, std::move(o));
    }
    s.expect(true, "CR-AEAD-003", "");
    return;
  }
  const IvOrigin& first = it->second;
  std::string msg = std::string(what) + " reuses IV " + iv + " under " + key_scope +
                    " (first used by " + first.sender + " in " + first.session + ")";
  // The finding shows both frames: the first use and this one.
  Finding f;
  f.side = s.side();
  f.clause = "CR-AEAD-003";
  f.session = s.session();
  f.user = s.user();
  f.at = s.at();
  f.message = std::move(msg);
  f.frames = {first.frame};
  for (const auto& fr : s.frames()) f.frames.push_back(fr);
  count(s.side(), "CR-AEAD-003", Severity::fail);
  add_finding(std::move(f));
}

// ---------------------------------------------------------------------------------------------

Judge::Judge() : impl_(std::make_unique<Impl>()) {
  (void)crypto::init();
}
Judge::~Judge() = default;

void Judge::set_finding_hook(FindingHook hook) {
  impl_->hook = std::move(hook);
}

std::uint64_t Judge::open_session(Clock::time_point) {
  const std::uint64_t n = impl_->next_session++;
  impl_->conn(n);
  ++impl_->stats.sessions;
  return n;
}

void Judge::on_frame(Direction dir) {
  if (dir == Direction::to_server) {
    ++impl_->stats.frames_to_server;
  } else {
    ++impl_->stats.frames_to_client;
  }
}

void Judge::on_packet(std::uint64_t session, Direction dir, Clock::time_point at,
                      const sio::Incoming& in, std::string_view frame) {
  Connection& c = impl_->conn(session);
  const FrameRecord fr{at, dir, clip(frame)};
  const sio::Packet& p = in.message.packet;
  // Only namespace "/" carries this protocol (EV-TRN-002); other namespaces are forwarded unjudged.
  if (p.nsp != "/") return;
  if (dir == Direction::to_server) {
    if (p.type != sio::PacketType::event && p.type != sio::PacketType::binary_event) return;
    ++impl_->stats.requests;
    Request r = impl_->check_request(c, at, in, fr);
    if (p.id) c.outstanding[*p.id] = std::move(r);
    return;
  }
  if (p.type == sio::PacketType::ack || p.type == sio::PacketType::binary_ack) {
    ++impl_->stats.acks;
    impl_->check_ack(c, at, in, fr);
  } else if (p.type == sio::PacketType::event || p.type == sio::PacketType::binary_event) {
    ++impl_->stats.notifications;
    impl_->check_notification(c, at, in, fr);
  }
}

void Judge::on_malformed(std::uint64_t session, Direction dir, Clock::time_point at,
                         std::string_view frame, std::string_view why, std::string_view clause) {
  Connection& c = impl_->conn(session);
  Scope s(*impl_, dir == Direction::to_server ? Side::client : Side::server, c, at,
          {FrameRecord{at, dir, clip(frame)}});
  s.expect(false, clause, "malformed packet: " + std::string(why));
}

namespace {
// report_unanswered reports the requests of `c` older than the patience as missing their ack.
void report_unanswered(Judge::Impl& j, Connection& c, Clock::time_point at) {
  for (auto it = c.outstanding.begin(); it != c.outstanding.end();) {
    const Request& r = it->second;
    if (at - r.frame.at < Judge::kAckPatience) {
      ++it;
      continue;
    }
    Scope s(j, Side::server, c, at, {r.frame});
    s.expect(false, "EV-TRN-005",
             "no ACK for request '" + r.event + "' (ack id " + std::to_string(it->first) +
                 ") within " + std::to_string(Judge::kAckPatience.count()) + " s",
             // EV-TRN-021's compatibility note: some servers never answer unknown events.
             r.known ? Severity::fail : Severity::non_strict);
    it = c.outstanding.erase(it);
  }
}
}  // namespace

void Judge::on_close(std::uint64_t session, Clock::time_point at) {
  Connection& c = impl_->conn(session);
  if (c.closed) return;
  c.closed = true;
  report_unanswered(*impl_, c, at);
  c.outstanding.clear();
}

void Judge::finish(Clock::time_point at) {
  for (auto& [n, c] : impl_->conns) {
    if (!c.closed) report_unanswered(*impl_, c, at);
  }
  for (const auto& [signer, v] : impl_->pending_sigs) impl_->stats.signatures_unchecked += v.size();
  impl_->pending_sigs.clear();
}

const std::vector<Finding>& Judge::findings() const {
  return impl_->findings;
}
const Stats& Judge::stats() const {
  return impl_->stats;
}

}  // namespace unm::conformance::observe
