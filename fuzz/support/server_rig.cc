#include "fuzz/support/server_rig.h"

#include <rapidjson/document.h>

#include "fuzz/support/fuzz_support.h"
#include "reference/common/hex.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/sign.h"
#include "reference/protocol/events.h"
#include "reference/protocol/objects.h"

namespace unm::fuzz {

namespace {

// kStart is the fake clock's start: 2026-01-01T00:00:00Z in µs.
constexpr server::Micros kStart = 1'767'225'600'000'000;

server::ServerOptions rig_options() {
  server::ServerOptions o;
  o.x3dh_delay = 0;  // deliver X3DH objects right after the login ack: more paths per input
  return o;
}

std::unique_ptr<server::SqliteStore> open_store() {
  auto s = server::SqliteStore::open(":memory:", server::Synchronous::normal);
  UNM_FUZZ_CHECK(s.has_value());
  return std::move(*s);
}

}  // namespace

ServerRig::ServerRig(std::uint64_t seed)
    : rng_(seed),
      store_(open_store()),
      clock_(kStart),
      server_(std::make_unique<server::ChatServer>(*store_, clock_, out_, rng_, rig_options())) {}

server::ConnId ServerRig::connect() {
  const server::ConnId c = next_conn_++;
  server_->on_connect(c);
  open_.insert(c);
  check_counts();
  return c;
}

void ServerRig::disconnect(server::ConnId c) {
  const std::size_t from = out_.log.size();
  server_->on_disconnect(c);
  open_.erase(c);
  logged_in_.erase(c);
  login_name_.erase(c);
  check_notes(from);
  for (std::size_t i = from; i < out_.log.size(); ++i) UNM_FUZZ_CHECK(out_.log[i].conn != c);
  check_counts();
  out_.log.clear();
}

std::optional<std::string> ServerRig::logged_in_as(server::ConnId c) const {
  auto it = logged_in_.find(c);
  if (it == logged_in_.end()) return std::nullopt;
  return it->second;
}

void ServerRig::check_notes(std::size_t from) const {
  for (std::size_t i = from; i < out_.log.size(); ++i) {
    const auto& s = out_.log[i];
    if (s.is_ack) continue;
    UNM_FUZZ_CHECK(!s.name.empty());
    UNM_FUZZ_CHECK(logged_in_.count(s.conn) != 0);  // only logged-in connections hear anything
    rapidjson::Document d;
    d.Parse(s.json.data(), s.json.size());
    UNM_FUZZ_CHECK(!d.HasParseError());
  }
}

void ServerRig::check_counts() const {
  UNM_FUZZ_CHECK(server_->connection_count() == open_.size());
  std::set<std::string> users;
  for (const auto& [conn, name] : logged_in_) users.insert(name);
  UNM_FUZZ_CHECK(server_->online_user_count() == users.size());
}

Ack ServerRig::call(server::ConnId c, std::string_view event, std::string_view args, bool binary) {
  rapidjson::Document doc;
  doc.Parse(args.data(), args.size());
  if (doc.HasParseError()) {
    // Not JSON: the transport would have refused the frame; the server sees a string instead.
    doc.SetArray();
    doc.PushBack(rapidjson::Value(args.data(), static_cast<rapidjson::SizeType>(args.size()),
                                  doc.GetAllocator()),
                 doc.GetAllocator());
  }
  const bool was_logged_in = logged_in_.count(c) != 0;
  const auto ev = protocol::parse_event(event);
  const bool one_object = !binary && doc.IsArray() && doc.Size() == 1 && doc[0].IsObject();

  const std::uint64_t ack_id = next_ack_++;
  const std::size_t from = out_.log.size();
  server_->on_event(c, event, doc, ack_id, binary);

  // Exactly one ack, to c, with our id; nothing to c before it (EV-TRN-005, EV-TRN-026).
  std::optional<std::size_t> ack_at;
  for (std::size_t i = from; i < out_.log.size(); ++i) {
    const auto& s = out_.log[i];
    if (!s.is_ack) continue;
    UNM_FUZZ_CHECK(!ack_at.has_value());
    UNM_FUZZ_CHECK(s.conn == c && s.ack_id == ack_id);
    ack_at = i;
  }
  UNM_FUZZ_CHECK(ack_at.has_value());
  for (std::size_t i = from; i < *ack_at; ++i) UNM_FUZZ_CHECK(out_.log[i].conn != c);

  Ack a;
  a.json = out_.log[*ack_at].json;
  rapidjson::Document r;
  r.Parse(a.json.data(), a.json.size());
  UNM_FUZZ_CHECK(!r.HasParseError() && r.IsObject() && r.MemberCount() == 2);
  UNM_FUZZ_CHECK(r.HasMember("success") && r["success"].IsBool() && r.HasMember("result"));
  a.success = r["success"].GetBool();
  if (!a.success) {
    UNM_FUZZ_CHECK(r["result"].IsString() && r["result"].GetStringLength() > 0);  // EV-TRN-006
  } else {
    UNM_FUZZ_CHECK(ev.has_value());                                   // EV-TRN-021
    UNM_FUZZ_CHECK(one_object);                                       // EV-TRN-008
    UNM_FUZZ_CHECK(!protocol::requires_login(*ev) || was_logged_in);  // EV-TRN-022
  }

  // Track the login state the way a client sees it, from the acks.
  if (a.success && ev == protocol::Event::login) {
    login_name_[c] =
        std::string(doc[0]["username"].GetString(), doc[0]["username"].GetStringLength());
  }
  if (a.success && ev == protocol::Event::login_challenge_response) {
    auto it = login_name_.find(c);
    UNM_FUZZ_CHECK(it != login_name_.end());  // a response can only succeed after a login
    logged_in_[c] = it->second;
  }
  // Notifications are checked after the state update: a successful login makes c eligible for
  // the X3DH deliveries that follow its ack.
  check_notes(from);
  check_counts();
  out_.log.clear();
  return a;
}

RigUser ServerRig::make_user(std::string name) {
  RigUser u;
  u.name = std::move(name);
  u.ik = crypto::generate_private_key(rng_);
  u.spk = crypto::generate_private_key(rng_);
  u.pub = to_hex(crypto::public_key(u.ik));
  const auto spk_pub = crypto::public_key(u.spk);
  u.spk_pub = to_hex(spk_pub);
  u.sig = to_hex(crypto::sign(u.ik, spk_pub));
  return u;
}

Ack ServerRig::register_user(server::ConnId c, const RigUser& u) {
  return call1(c, "register",
               R"({"username":)" + protocol::json_string(u.name) + R"(,"public_key":")" + u.pub +
                   R"(","spk":")" + u.spk_pub + R"(","sig":")" + u.sig + R"(","own_storage":""})");
}

bool ServerRig::login(server::ConnId c, const RigUser& u) {
  const Ack a = call1(c, "login", R"({"username":)" + protocol::json_string(u.name) + "}");
  if (!a.success) return false;
  rapidjson::Document d;
  d.Parse(a.json.data(), a.json.size());
  UNM_FUZZ_CHECK(d["result"].IsString());
  crypto::PublicKey ch{};
  UNM_FUZZ_CHECK(from_hex_into(d["result"].GetString(), ch).has_value());
  auto resp = crypto::challenge_response(u.ik, ch);
  UNM_FUZZ_CHECK(resp.has_value());  // CR-CHAL-001: a challenge is always a valid point
  const Ack b = call1(c, "login_challenge_response", R"({"response":")" + to_hex(*resp) + R"("})");
  return b.success;
}

std::string ServerRig::sign(const RigUser& u, std::string_view hex) {
  auto bytes = from_hex(hex);
  if (!bytes) return std::string(128, '0');
  return to_hex(crypto::sign(u.ik, *bytes));
}

std::string ServerRig::random_key() {
  return to_hex(crypto::public_key(crypto::generate_private_key(rng_)));
}

void ServerRig::advance(server::Micros by) {
  clock_.advance(by);
  const std::size_t from = out_.log.size();
  server_->run_due();
  for (std::size_t i = from; i < out_.log.size(); ++i) UNM_FUZZ_CHECK(!out_.log[i].is_ack);
  check_notes(from);
  check_counts();
  out_.log.clear();
}

}  // namespace unm::fuzz
