// auth_handlers.cc — register, login, login_challenge_response, username_exists and the login
// lockout (events.md §2).
#include <algorithm>
#include <array>
#include <cctype>

#include "reference/common/hex.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/keys.h"
#include "reference/protocol/limits.h"
#include "reference/protocol/validate.h"
#include "reference/server/chat_server.h"

namespace unm::server {

using protocol::fail;
using protocol::Failure;
using protocol::Reason;

namespace {

// lowercase returns `s` with ASCII letters in lower case.
std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// single_object returns the one object argument of a request, or nullptr (EV-TRN-008).
const rapidjson::Value* single_object(const rapidjson::Value& args, bool binary) {
  if (binary || !args.IsArray() || args.Size() != 1 || !args[0].IsObject()) return nullptr;
  return &args[0];
}

}  // namespace

Failure ChatServer::count_failure(Session& s, Failure f) {
  // EV-AUTH-014…017: every non-lockout failure of login / login_challenge_response counts.
  ++s.failures;
  if (s.failures >= options_.lockout_threshold) {
    s.locked_until = clock_.now() + options_.lockout_duration;
    f.text += " Too many failed attempts: you have been locked out for 60 seconds.";
  } else {
    // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) about `"text" +
    // std::string`.
    f.text += ' ';
    f.text += std::to_string(options_.lockout_threshold - s.failures);
    f.text += " attempts remaining.";
  }
  return f;
}

ChatServer::Reply ChatServer::handle_login(ConnId, Session& s, const rapidjson::Value& args,
                                           bool binary) {
  // EV-AUTH-009: lockout, shape, user, state — in this order.
  if (clock_.now() < s.locked_until) return Unexpected{fail(Reason::locked)};
  const auto* p = single_object(args, binary);
  if (p == nullptr || !protocol::has_exact_keys(*p, {"username"}) || !(*p)["username"].IsString()) {
    return Unexpected{count_failure(s, fail(Reason::format))};
  }
  const std::string_view username((*p)["username"].GetString(), (*p)["username"].GetStringLength());
  auto user = store_.user_by_name(username);
  if (!user && fault(Fault::login_unknown_user_challenged)) {
    std::array<std::uint8_t, 32> decoy{};  // bug against EV-AUTH-009: "hide" unknown users
    rng_.fill(decoy);
    return protocol::json_string(to_hex(decoy));
  }
  if (!user) return Unexpected{count_failure(s, fail(Reason::nouser))};
  if (s.state == State::logged_in) return Unexpected{count_failure(s, fail(Reason::loggedin))};
  if (fault(Fault::challenge_repeated) && s.state == State::challenged && s.user == user->id &&
      !s.challenge.empty()) {
    return protocol::json_string(s.challenge);  // bug against CR-CHAL-001: not fresh
  }
  auto pub = parsed_key_of(*user);
  if (!pub) return Unexpected{count_failure(s, fail(Reason::internal))};
  auto ch = crypto::create_challenge(*pub, rng_);
  if (!ch) return Unexpected{count_failure(s, fail(Reason::internal))};
  // EV-AUTH-010: a new challenge replaces any pending one.
  const bool keep_old = fault(Fault::relogin_keeps_old_challenge) && s.state == State::challenged;
  s.state = State::challenged;
  s.user = user->id;
  s.username = user->username;
  if (!keep_old) s.expected = to_hex(ch->expected);
  if (fault(Fault::challenge_repeated)) s.challenge = to_hex(ch->challenge);
  return protocol::json_string(to_hex(ch->challenge));
}

ChatServer::Reply ChatServer::handle_challenge_response(ConnId conn, Session& s,
                                                        const rapidjson::Value& args, bool binary) {
  // EV-AUTH-011: lockout and shape errors keep the challenge.
  if (clock_.now() < s.locked_until) return Unexpected{fail(Reason::locked)};
  const auto* p = single_object(args, binary);
  if (p == nullptr || !protocol::has_exact_keys(*p, {"response"}) || !(*p)["response"].IsString()) {
    if (fault(Fault::format_error_drops_challenge) && s.state == State::challenged) {
      s.state = State::connected;  // bug against EV-AUTH-011
      s.expected.clear();
    }
    return Unexpected{count_failure(s, fail(Reason::format))};
  }
  if (s.state == State::logged_in) return Unexpected{count_failure(s, fail(Reason::loggedin))};
  if (s.state != State::challenged) return Unexpected{count_failure(s, fail(Reason::nochal))};
  // EV-AUTH-012 / CR-CHAL-003: the challenge is single-use, right or wrong.
  const std::string expected = std::move(s.expected);
  s.expected.clear();
  s.state = State::connected;
  const std::string_view response((*p)["response"].GetString(), (*p)["response"].GetStringLength());
  const bool matches = fault(Fault::challenge_ignores_case)
                           ? crypto::challenge_matches(expected, lowercase(response))
                           : crypto::challenge_matches(expected, response);
  if (!matches) {
    if (fault(Fault::wrong_response_keeps_challenge)) {
      s.state = State::challenged;  // bug against EV-AUTH-012: the challenge can be retried
      s.expected = expected;
    }
    return Unexpected{count_failure(s, fail(Reason::badresp))};
  }
  // EV-AUTH-013: logged in; the count resets.
  s.state = State::logged_in;
  s.failures = 0;
  if (online_[s.user].insert(conn).second) journal_.online_added.emplace_back(s.user, conn);
  // (b) presence: everyone else learns that the user is here, unless it looks offline.
  if (auto u = store_.user_by_id(s.user); u && u->status != "offline") {
    notify_everyone(protocol::notification::kProfile, user_json(*u, u->status, false), conn);
  }
  // (c) pending X3DH objects after the grace period (EV-DM-014/015).
  journal_.x3dh_added.push_back(
      x3dh_deliveries_.emplace(clock_.now() + options_.x3dh_delay, s.user));
  return std::string("true");
}

ChatServer::Reply ChatServer::handle_register(Request& req) {
  if (req.session.state == State::logged_in && !fault(Fault::register_while_logged_in)) {
    return Unexpected{fail(Reason::loggedin)};
  }
  const auto& p = req.payload;
  // EV-AUTH-003: exact keys and value types.
  if (!protocol::has_exact_keys(p, {"username", "public_key", "spk", "sig", "own_storage"})) {
    return Unexpected{fail(Reason::format)};
  }
  auto username = protocol::as_username(p["username"]);
  if (!username) return Unexpected{username.error()};
  auto own_storage = protocol::as_string(p["own_storage"], 0, protocol::limits::kOwnStorageMax);
  if (!own_storage) return Unexpected{own_storage.error()};
  auto public_key = protocol::as_key(p["public_key"]);
  if (!public_key) return Unexpected{public_key.error()};
  // EV-AUTH-007: null fails (not a string). The fault checks only the text form (CR-KEY-004).
  auto spk = fault(Fault::register_spk_point_unchecked) ? protocol::as_key_text(p["spk"])
                                                        : protocol::as_key(p["spk"]);
  if (!spk) return Unexpected{spk.error()};
  auto sig = protocol::as_signature_text(p["sig"]);
  if (!sig) return Unexpected{sig.error()};
  // EV-AUTH-004: the SPK signature under the identity key.
  if (auto ok = protocol::verify_signature(*public_key, *spk, *sig);
      !ok && !fault(Fault::register_sig_unchecked)) {
    return Unexpected{ok.error()};
  }
  if (store_.user_by_name(*username)) return Unexpected{fail(Reason::taken)};  // EV-AUTH-005
  if (fault(Fault::register_name_ignores_case)) {
    const std::string folded = lowercase(*username);
    for (const auto& other : store_.all_users()) {
      if (lowercase(other.username) == folded) return Unexpected{fail(Reason::taken)};
    }
  }
  protocol::User u;
  u.username = std::move(*username);
  u.public_key = std::move(*public_key);
  u.spk = std::move(*spk);
  u.sig = std::move(*sig);
  u.status = "online";  // EV-AUTH-006
  u.own_storage = std::move(*own_storage);
  store_.insert_user(u);
  if (fault(Fault::register_broadcasts_profile)) {  // bug against EV-NTF-002
    notify_everyone(protocol::notification::kProfile, user_json(u, u.status, false), req.conn);
  }
  return std::string("true");
}

ChatServer::Reply ChatServer::handle_username_exists(Request& req) {
  // EV-AUTH-008: any string, no length limit.
  if (!protocol::has_exact_keys(req.payload, {"username"})) return Unexpected{fail(Reason::format)};
  if (fault(Fault::username_coerced) && !req.payload["username"].IsString()) {
    return std::string("false");  // bug against EV-TRN-018: no such (stringified) user
  }
  auto name = protocol::as_any_string(req.payload["username"]);
  if (!name) return Unexpected{name.error()};
  return std::string(store_.user_by_name(*name) ? "true" : "false");
}

}  // namespace unm::server
