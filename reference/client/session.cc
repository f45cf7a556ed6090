#include "reference/client/session.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>

#include <rapidjson/document.h>

#include "reference/client/rpc.h"
#include "reference/common/hex.h"
#include "reference/common/utf8.h"
#include "reference/crypto/crypto.h"

namespace unm::client {

// Inbox is the queue between the channel's I/O thread and the session's thread. It is shared
// (shared_ptr) with the handlers installed on the channel, so it outlives any late callback.
class Inbox {
 public:
  void push(std::string name, std::string args) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.emplace_back(std::move(name), std::move(args));
    }
    cv_.notify_all();
  }
  void disconnect(const transport::ChannelFailure& f) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      gone_ = channel_error(f);
    }
    cv_.notify_all();
  }
  // take waits up to `wait` for a first item, then returns everything queued.
  std::deque<std::pair<std::string, std::string>> take(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, wait, [&] { return !queue_.empty() || gone_.has_value(); });
    std::deque<std::pair<std::string, std::string>> out;
    out.swap(queue_);
    return out;
  }
  std::optional<Error> gone() const {
    std::lock_guard<std::mutex> lock(mu_);
    return gone_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, std::string>> queue_;
  std::optional<Error> gone_;
};

namespace {

std::string crypto_text(crypto::Error e) {
  return std::string(crypto::error_name(e));
}

std::string key_hex(const crypto::PublicKey& k) {
  return to_hex(std::span<const std::uint8_t>(k));
}

template <class T>
Unexpected<Error> pass(const Result<T>& r) {
  return Unexpected<Error>{r.error()};
}

Unexpected<Error> protocol(std::string_view event, const std::string& detail) {
  return fail(ErrorCode::protocol, std::string(event) + ": " + detail);
}

}  // namespace

std::string_view content_status_name(ContentStatus s) {
  switch (s) {
    case ContentStatus::ok:
      return "ok";
    case ContentStatus::bad_signature:
      return "bad_signature";
    case ContentStatus::undecryptable:
      return "undecryptable";
    case ContentStatus::unknown_dm:
      return "unknown_dm";
    case ContentStatus::unknown_sender:
      return "unknown_sender";
  }
  return "unknown";
}

Session::Session(std::unique_ptr<transport::EventChannel> channel, crypto::Random& rng,
                 SessionOptions options)
    : channel_(std::move(channel)),
      rng_(&rng),
      options_(options),
      inbox_(std::make_shared<Inbox>()) {
  std::shared_ptr<Inbox> inbox = inbox_;
  channel_->set_event_handler([inbox](std::string name, std::string args) {
    inbox->push(std::move(name), std::move(args));
  });
  channel_->set_disconnect_handler(
      [inbox](const transport::ChannelFailure& f) { inbox->disconnect(f); });
}

Session::~Session() {
  if (channel_) channel_->close();
}

const std::string& Session::username() const {
  static const std::string kNone;
  return identity_ ? identity_->username : kNone;
}

Result<void> Session::require_login() const {
  if (!identity_) return fail(ErrorCode::local, "not logged in");
  return {};
}

// ---------------------------------------------------------------- dialect

Result<Dialect> Session::detect_dialect() {
  if (dialect_settled_) return dialect_.dialect();
  switch (options_.dialect) {
    case DialectChoice::document:
      dialect_.set_dialect(Dialect::document);
      break;
    case DialectChoice::deployed:
      dialect_.set_dialect(Dialect::deployed);
      break;
    case DialectChoice::automatic: {
      // The probe needs a login (see dialect.h); until then the document's reading, unsettled.
      if (!identity_) return dialect_.dialect();
      auto outcome = Rpc(*channel_, options_.call_timeout)
                         .call(WireDialect::kProbeEvent, WireDialect::probe_payload());
      auto d = dialect_.read_probe(outcome);
      if (!d) return d;
      break;
    }
  }
  dialect_settled_ = true;
  return dialect_.dialect();
}

Result<void> Session::ensure_dialect() {
  if (auto d = detect_dialect(); !d) return Unexpected<Error>{d.error()};
  return {};
}

void Session::remember_call(std::int64_t dm_id, const std::vector<std::string>& users) {
  calls_.insert_or_assign(dm_id, users);
}

Result<std::vector<std::int64_t>> Session::await_invitations(
    std::chrono::milliseconds max_wait, const std::function<bool()>& keep_waiting) {
  if (auto r = require_login(); !r) return pass(r);
  auto missing = [&]() -> Result<std::vector<std::int64_t>> {
    auto ids = get_dms();
    if (!ids) return ids;
    std::vector<std::int64_t> out;
    for (std::int64_t id : *ids)
      if (keys_.dm_key(id) == nullptr) out.push_back(id);
    return out;
  };
  auto left = missing();
  if (!left) return left;
  const std::vector<std::int64_t> at_start = *left;
  const auto deadline = logged_in_at_ + max_wait;
  while (!left->empty() && std::chrono::steady_clock::now() < deadline && !disconnected() &&
         (!keep_waiting || keep_waiting())) {
    const auto slice = std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds{200}, std::chrono::duration_cast<std::chrono::milliseconds>(
                                            deadline - std::chrono::steady_clock::now()));
    process_notifications(std::max(slice, std::chrono::milliseconds{1}));
    std::vector<std::int64_t> still;
    for (std::int64_t id : *left)
      if (keys_.dm_key(id) == nullptr) still.push_back(id);
    *left = std::move(still);
  }
  if (dialect_.deployed() && !at_start.empty()) {
    auto list = [](const std::vector<std::int64_t>& v) {
      std::string s;
      for (std::int64_t id : v) s += (s.empty() ? "" : ", ") + std::to_string(id);
      return s;
    };
    std::string text = "stayed connected after login for the pending X3DH invitations of DM " +
                       list(at_start) + " (the deployed server sends them 5 s after login)";
    if (!left->empty())
      text += "; none came for DM " + list(*left) +
              " (lost if an earlier connection closed within 5 s of its login)";
    dialect_.note(10, std::move(text));
  }
  return left;
}

// ---------------------------------------------------------------- account

Result<Identity> Session::register_account(std::string_view username) {
  if (auto ok = crypto::init(); !ok) return fail(ErrorCode::crypto, "libsodium init failed");
  // Registration procedure step 1-4: identity key, SPK, sig = signature(ik, spk) (CR-SIG-002).
  Identity id;
  id.username = std::string(username);
  id.private_key = crypto::generate_private_key(*rng_);
  const crypto::PrivateKey spk = crypto::generate_private_key(*rng_);
  const crypto::PublicKey pub = crypto::public_key(id.private_key);
  const crypto::PublicKey spk_pub = crypto::public_key(spk);
  const crypto::Signature sig = crypto::sign(id.private_key, spk_pub);
  KeyStore store;
  store.set_spk(spk);
  auto sealed = store.seal(id.private_key, *rng_);
  if (!sealed) return pass(sealed);
  Rpc rpc(*channel_, options_.call_timeout);
  auto r = rpc.call_true("register", Payload()
                                         .str("username", username)
                                         .str("public_key", key_hex(pub))
                                         .str("spk", key_hex(spk_pub))
                                         .str("sig", to_hex(std::span<const std::uint8_t>(sig)))
                                         .str("own_storage", *sealed)
                                         .text());
  if (!r) return pass(r);
  return id;
}

Result<void> Session::login(const Identity& identity) {
  if (auto ok = crypto::init(); !ok) return fail(ErrorCode::crypto, "libsodium init failed");
  Rpc rpc(*channel_, options_.call_timeout);
  auto challenge = rpc.call("login", Payload().str("username", identity.username).text());
  if (!challenge) return pass(challenge);
  if (!challenge->IsString()) return protocol("login", "challenge is not a string");
  auto point = crypto::parse_public_key(
      std::string_view(challenge->GetString(), challenge->GetStringLength()));
  // EV-AUTH-010: the challenge is a 64-hex point; CR-KEY-004: never multiply by a bad point.
  if (!point)
    return protocol("login", "challenge is not a valid point: " + crypto_text(point.error()));
  auto response = crypto::challenge_response(identity.private_key, *point);
  if (!response)
    return fail(ErrorCode::crypto, "challenge response: " + crypto_text(response.error()));
  auto ok = rpc.call_true("login_challenge_response",
                          Payload().str("response", key_hex(*response)).text());
  if (!ok) return pass(ok);
  identity_ = identity;
  logged_in_at_ = std::chrono::steady_clock::now();
  // Settled before anything is read or sent after login (dialect.h).
  if (auto d = detect_dialect(); !d) return pass(d);
  key_cache_.insert_or_assign(identity.username, crypto::public_key(identity.private_key));

  // Key storage (CR-STORE-001) comes before anything that may need it, notably the pending
  // X3DH notifications the server delivers after login (EV-DM-015).
  auto me = get_full_user();
  if (!me) return pass(me);
  if (me->public_key != key_hex(crypto::public_key(identity.private_key)))
    return fail(ErrorCode::crypto, "server reports another public key for " + identity.username);
  auto store = KeyStore::open(identity.private_key, me->own_storage.value_or(""));
  if (!store) return pass(store);
  keys_ = std::move(*store);
  // An account whose backup names no SPK (e.g. made by a client that keeps it elsewhere) could
  // never accept a DM from us: publish a fresh one.
  if (!keys_.spk()) return rotate_spk();
  // The backed-up SPK must be the published one, or every X3DH notification would fail.
  if (!me->spk || *me->spk != key_hex(crypto::public_key(*keys_.spk()))) return rotate_spk();
  return {};
}

// ---------------------------------------------------------------- users

Result<bool> Session::username_exists(std::string_view username) {
  auto r = Rpc(*channel_, options_.call_timeout)
               .call("username_exists", Payload().str("username", username).text());
  if (!r) return pass(r);
  if (!r->IsBool()) return protocol("username_exists", "result is not a boolean");
  return r->GetBool();
}

Result<User> Session::get_user(std::string_view username) {
  auto r = Rpc(*channel_, options_.call_timeout)
               .call("get_user", Payload().str("username", username).text());
  if (!r) return pass(r);
  auto u = parse_user(*r);
  if (!u) return protocol("get_user", u.error());
  if (u->username != username) return protocol("get_user", "answered for another user");
  // Cache the identity key only once it parses as a valid point (CR-KEY-004).
  if (auto pk = crypto::parse_public_key(u->public_key))
    key_cache_.insert_or_assign(u->username, *pk);
  return std::move(*u);
}

Result<User> Session::get_full_user() {
  auto r = Rpc(*channel_, options_.call_timeout).call("get_full_user", "{}");
  if (!r) return pass(r);
  auto u = parse_user(*r);
  if (!u) return protocol("get_full_user", u.error());
  if (!u->own_storage) return protocol("get_full_user", "own_storage missing (EV-OBJ-005)");
  return std::move(*u);
}

Result<std::vector<User>> Session::get_user_list() {
  if (auto d = ensure_dialect(); !d) return pass(d);
  auto r = Rpc(*channel_, options_.call_timeout).call("get_user_list", "{}");
  if (!r) return pass(r);
  dialect_.read_user_list(*r, "get_user_list");
  if (!r->IsArray()) return protocol("get_user_list", "result is not an array");
  std::vector<User> out;
  for (const auto& v : r->GetArray()) {
    auto u = parse_user(v);
    if (!u) return protocol("get_user_list", u.error());
    out.push_back(std::move(*u));
  }
  return out;
}

Result<void> Session::set_user(const UserChanges& changes) {
  Payload p;
  if (changes.status) p.str("status", *changes.status);
  if (changes.biography) p.str("biography", *changes.biography);
  if (changes.profile_picture) p.str("profile_picture", *changes.profile_picture);
  if (!changes.status && !changes.biography && !changes.profile_picture)
    return fail(ErrorCode::local, "set_user: nothing to change");
  return Rpc(*channel_, options_.call_timeout).call_true("set_user", p.text());
}

Result<void> Session::rotate_spk() {
  if (auto r = require_login(); !r) return r;
  const crypto::PrivateKey spk = crypto::generate_private_key(*rng_);
  const crypto::PublicKey spk_pub = crypto::public_key(spk);
  const crypto::Signature sig = crypto::sign(identity_->private_key, spk_pub);
  KeyStore next = keys_;
  next.set_spk(spk);
  // Keep keys another client of this account backed up meanwhile.
  if (auto me = get_full_user()) {
    if (auto remote = KeyStore::open(identity_->private_key, me->own_storage.value_or("")))
      next.merge_missing(*remote);
  } else {
    return pass(me);
  }
  auto sealed = next.seal(identity_->private_key, *rng_);
  if (!sealed) return pass(sealed);
  auto r = Rpc(*channel_, options_.call_timeout)
               .call_true("set_user", Payload()
                                          .str("spk", key_hex(spk_pub))
                                          .str("sig", to_hex(std::span<const std::uint8_t>(sig)))
                                          .str("own_storage", *sealed)
                                          .text());
  if (!r) return r;
  keys_ = std::move(next);
  return {};
}

Result<void> Session::backup_keys() {
  if (auto r = require_login(); !r) return r;
  // Read-merge-write: another client of the same account may have added keys since we loaded.
  auto me = get_full_user();
  if (!me) return pass(me);
  auto remote = KeyStore::open(identity_->private_key, me->own_storage.value_or(""));
  if (!remote) return pass(remote);
  keys_.merge_missing(*remote);
  auto sealed = keys_.seal(identity_->private_key, *rng_);
  if (!sealed) return pass(sealed);
  return Rpc(*channel_, options_.call_timeout)
      .call_true("set_user", Payload().str("own_storage", *sealed).text());
}

Result<crypto::PublicKey> Session::sender_key(const std::string& username) {
  if (auto it = key_cache_.find(username); it != key_cache_.end()) return it->second;
  auto u = get_user(username);
  if (!u) return pass(u);
  auto it = key_cache_.find(username);
  if (it == key_cache_.end())
    return fail(ErrorCode::crypto, "public key of " + username + " is not a valid point");
  return it->second;
}

// ---------------------------------------------------------------- content crypto

Result<std::pair<std::string, std::string>> Session::seal_content(std::int64_t dm_id,
                                                                  std::string_view text) {
  if (auto r = require_login(); !r) return pass(r);
  if (!is_valid_utf8(text)) return fail(ErrorCode::local, "text is not valid UTF-8 (CR-AEAD-002)");
  const crypto::SharedKey* key = keys_.dm_key(dm_id);
  if (key == nullptr)
    return fail(ErrorCode::local, "no key for DM " + std::to_string(dm_id) +
                                      " (its X3DH notification has not been processed)");
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  auto ct =
      crypto::aead_encrypt_hex(*key, std::span<const std::uint8_t>(bytes, text.size()), *rng_);
  if (!ct) return fail(ErrorCode::crypto, "encrypt: " + crypto_text(ct.error()));
  auto ct_bytes = from_hex(*ct);
  if (!ct_bytes) return fail(ErrorCode::crypto, "encrypt produced bad hex");
  // CR-SIG-002: sign after encryption, over the ciphertext's bytes.
  const crypto::Signature sig = crypto::sign(identity_->private_key, *ct_bytes);
  return std::make_pair(std::move(*ct), to_hex(std::span<const std::uint8_t>(sig)));
}

ContentStatus Session::open_content(std::int64_t dm_id, const std::string& sender,
                                    const std::string& ciphertext, const std::string& signature,
                                    std::string& text) {
  text.clear();
  auto pk = sender_key(sender);
  if (!pk) return ContentStatus::unknown_sender;
  auto sig = crypto::parse_signature(signature);
  auto bytes = from_hex(ciphertext);
  // Verify first (protocol document: verify, then decrypt): nothing unsigned is ever opened.
  if (!sig || !bytes || !crypto::verify(*pk, *bytes, *sig)) return ContentStatus::bad_signature;
  const crypto::SharedKey* key = keys_.dm_key(dm_id);
  if (key == nullptr) return ContentStatus::unknown_dm;
  auto plain = crypto::aead_decrypt_hex(*key, ciphertext);
  if (!plain) return ContentStatus::undecryptable;
  std::string out(plain->begin(), plain->end());
  // CR-AEAD-002: plaintext is UTF-8 text; anything else is not shown.
  if (!is_valid_utf8(out)) return ContentStatus::undecryptable;
  text = std::move(out);
  return ContentStatus::ok;
}

ReadMessage Session::read(const Message& m) {
  ReadMessage out;
  out.raw = m;
  out.status = open_content(m.dm_id, m.sender, m.message, m.signature, out.text);
  for (const Reaction& r : m.reactions) {
    ReadReaction rr;
    rr.raw = r;
    rr.status = open_content(m.dm_id, r.sender, r.reaction, r.signature, rr.text);
    out.reactions.push_back(std::move(rr));
  }
  return out;
}

Result<std::vector<ReadMessage>> Session::read_list(const rapidjson::Value& v, const char* what) {
  auto list = parse_message_list(v);
  if (!list) return protocol(what, list.error());
  std::vector<ReadMessage> out;
  out.reserve(list->size());
  for (const Message& m : *list) out.push_back(read(m));
  return out;
}

// ---------------------------------------------------------------- DMs

Result<std::int64_t> Session::create_dm(const std::vector<std::string>& usernames) {
  if (auto r = require_login(); !r) return pass(r);
  if (usernames.empty()) return fail(ErrorCode::local, "create_dm: no usernames");
  std::set<std::string> seen;
  for (const auto& u : usernames) {
    if (u == identity_->username)
      return fail(ErrorCode::local, "create_dm: do not list yourself (you are position 0)");
    if (!seen.insert(u).second) return fail(ErrorCode::local, "create_dm: duplicate " + u);
  }
  // DM creation step 2: every bundle from get_user; fail if a user has no SPK.
  std::vector<crypto::PreKeyBundle> bundles;
  for (const auto& name : usernames) {
    auto u = get_user(name);
    if (!u) return pass(u);
    if (!u->spk || !u->sig) return fail(ErrorCode::crypto, name + " has no signed prekey");
    auto ik = crypto::parse_public_key(u->public_key);
    auto spk = crypto::parse_public_key(*u->spk);
    auto sig = crypto::parse_signature(*u->sig);
    if (!ik || !spk || !sig)
      return fail(ErrorCode::crypto, name + "'s key bundle is malformed (CR-KEY-004)");
    // CR-X3DH-001: a forged SPK fails the whole creation; checked here to name the culprit.
    if (!crypto::verify(*ik, *spk, *sig))
      return fail(ErrorCode::crypto, name + "'s SPK signature does not verify (CR-X3DH-001)");
    bundles.push_back(crypto::PreKeyBundle{*ik, *spk, *sig});
  }
  auto group = crypto::create_group_dm(identity_->private_key, bundles, *rng_);
  if (!group) return fail(ErrorCode::crypto, "createGroupDM: " + crypto_text(group.error()));

  std::string messages = "[";
  for (std::size_t i = 0; i < group->messages.size(); ++i) {
    if (i) messages += ',';
    messages += Payload()
                    .str("ek", key_hex(group->messages[i].ek))
                    .str("spk", key_hex(group->messages[i].spk))
                    .text();
  }
  messages += ']';
  std::vector<std::string> tree;
  for (const auto& k : group->key_tree) tree.push_back(key_hex(k));
  Payload p;
  p.str_array("usernames", usernames);
  p.raw("messages", messages);
  p.str_array("key_tree", tree);
  auto r = Rpc(*channel_, options_.call_timeout).call("create_dm", p.text());
  if (!r) return pass(r);
  auto id = parse_id(*r);
  if (!id) return protocol("create_dm", "result is not a DM id");
  // Step 6: (sharedKey, dm_id) saved — in memory now, and backed up in own_storage.
  keys_.set_dm_key(*id, group->shared_key);
  if (auto b = backup_keys(); !b)
    return fail(b.error().code,
                "DM " + std::to_string(*id) +
                    " created but its key could not be backed up: " + b.error().detail);
  return *id;
}

Result<std::vector<std::int64_t>> Session::get_dms() {
  auto r = Rpc(*channel_, options_.call_timeout).call("get_dms", "{}");
  if (!r) return pass(r);
  auto ids = parse_id_list(*r);
  if (!ids) return protocol("get_dms", ids.error());
  return std::move(*ids);
}

Result<DmDetails> Session::get_dm(std::int64_t dm_id) {
  if (auto dl = ensure_dialect(); !dl) return pass(dl);
  auto r = Rpc(*channel_, options_.call_timeout).call("get_dm", Payload().num("id", dm_id).text());
  if (!r) return pass(r);
  dialect_.read_dm(*r, r->GetAllocator(), "get_dm");
  auto d = parse_dm(*r);
  if (!d) return protocol("get_dm", d.error());
  DmDetails out;
  out.dm = std::move(*d);
  remember_call(dm_id, out.dm.users_in_call);
  if (out.dm.latest_message) out.latest_message = read(*out.dm.latest_message);
  for (const ScheduledEntry& e : out.dm.scheduled) {
    ReadScheduled s;
    s.raw = e;
    // Scheduled entries are always the caller's own (EV-DM-019).
    s.status = open_content(dm_id, username(), e.message, e.signature, s.text);
    out.scheduled.push_back(std::move(s));
  }
  return out;
}

Result<void> Session::set_dm_name(std::int64_t dm_id, const std::optional<std::string>& name) {
  Payload p;
  p.num("id", dm_id);
  if (name) {
    p.str("name", *name);
  } else {
    p.null("name");
  }
  return Rpc(*channel_, options_.call_timeout).call_true("set_dm", p.text());
}

Result<void> Session::leave_dm(std::int64_t dm_id) {
  if (auto d = ensure_dialect(); !d) return pass(d);
  if (!dialect_.deployed()) return id_call("leave_dm", dm_id);
  // §12 #21: the deployed server applies the last member's leave but acknowledges it as an
  // error; membership before and after tells which it was.
  auto before = get_dms();
  if (!before) return pass(before);
  const bool member = std::find(before->begin(), before->end(), dm_id) != before->end();
  auto r = id_call("leave_dm", dm_id);
  if (r || !member || r.error().code != ErrorCode::refused) return r;
  auto ids = get_dms();
  if (!ids || std::find(ids->begin(), ids->end(), dm_id) != ids->end()) return r;
  dialect_.note(21, "leave_dm of DM " + std::to_string(dm_id) + " was refused (\"" +
                        r.error().detail +
                        "\") but applied: the DM is gone from get_dms (last member)");
  return {};
}

// ---------------------------------------------------------------- messages

Result<void> Session::send_message(std::int64_t dm_id, std::string_view text, std::int64_t schedule,
                                   std::int64_t delete_after) {
  auto sealed = seal_content(dm_id, text);
  if (!sealed) return pass(sealed);
  return Rpc(*channel_, options_.call_timeout)
      .call_true("send_message", Payload()
                                     .num("id", dm_id)
                                     .str("message", sealed->first)
                                     .str("signature", sealed->second)
                                     .num("schedule", schedule)
                                     .num("delete", delete_after)
                                     .text());
}

Result<ReadMessage> Session::get_message(std::int64_t message_id) {
  auto r = Rpc(*channel_, options_.call_timeout)
               .call("get_message", Payload().num("id", message_id).text());
  if (!r) return pass(r);
  auto m = parse_message(*r);
  if (!m) return protocol("get_message", m.error());
  return read(*m);
}

Result<std::vector<ReadMessage>> Session::get_message_history(std::int64_t dm_id,
                                                              std::string_view cursor,
                                                              std::int64_t count) {
  if (auto d = ensure_dialect(); !d) return pass(d);
  auto payload = dialect_.history_payload(dm_id, cursor, count);
  if (!payload) return pass(payload);
  auto r = Rpc(*channel_, options_.call_timeout).call("get_message_history", *payload);
  if (!r) return pass(r);
  return read_list(*r, "get_message_history");
}

Result<std::vector<ReadMessage>> Session::get_pinned(std::int64_t dm_id) {
  auto r =
      Rpc(*channel_, options_.call_timeout).call("get_pinned", Payload().num("id", dm_id).text());
  if (!r) return pass(r);
  return read_list(*r, "get_pinned");
}

Result<void> Session::edit_message(std::int64_t message_id, std::string_view text) {
  auto m = get_message(message_id);
  if (!m) return pass(m);
  if (m->raw.sender != username())
    return fail(ErrorCode::local, "only the sender can edit a message (EV-MSG-021)");
  auto sealed = seal_content(m->raw.dm_id, text);
  if (!sealed) return pass(sealed);
  return Rpc(*channel_, options_.call_timeout)
      .call_true("set_message", Payload()
                                    .num("id", message_id)
                                    .str("message", sealed->first)
                                    .str("signature", sealed->second)
                                    .text());
}

Result<void> Session::set_pinned(std::int64_t message_id, bool pinned) {
  return Rpc(*channel_, options_.call_timeout)
      .call_true("set_message", Payload().num("id", message_id).boolean("pinned", pinned).text());
}

Result<void> Session::cancel_scheduled_message(std::int64_t dm_id, std::int64_t schedule_id) {
  return Rpc(*channel_, options_.call_timeout)
      .call_true("cancel_scheduled_message",
                 Payload().num("dm_id", dm_id).num("schedule_id", schedule_id).text());
}

Result<std::int64_t> Session::add_reaction(std::int64_t message_id, std::string_view text) {
  if (auto d = ensure_dialect(); !d) return pass(d);
  auto m = get_message(message_id);
  if (!m) return pass(m);
  auto sealed = seal_content(m->raw.dm_id, text);
  if (!sealed) return pass(sealed);
  auto r = Rpc(*channel_, options_.call_timeout)
               .call("add_reaction", Payload()
                                         .num("id", message_id)
                                         .str("reaction", sealed->first)
                                         .str("signature", sealed->second)
                                         .text());
  if (!r) return pass(r);
  auto id = parse_id(*r);
  if (!id) return protocol("add_reaction", "result is not a reaction id");
  if (dialect_.deployed()) reacted_.insert(m->raw.id);
  return *id;
}

Result<void> Session::remove_reaction(std::int64_t reaction_id) {
  return id_call("remove_reaction", reaction_id);
}

// ---------------------------------------------------------------- typing, friends, calls

Result<void> Session::id_call(std::string_view event, std::int64_t id) {
  return Rpc(*channel_, options_.call_timeout).call_true(event, Payload().num("id", id).text());
}

Result<void> Session::username_call(std::string_view event, std::string_view username) {
  return Rpc(*channel_, options_.call_timeout)
      .call_true(event, Payload().str("username", username).text());
}

Result<std::vector<std::string>> Session::string_list_call(std::string_view event) {
  auto r = Rpc(*channel_, options_.call_timeout).call(event, "{}");
  if (!r) return pass(r);
  auto l = parse_string_list(*r);
  if (!l) return protocol(event, l.error());
  return std::move(*l);
}

Result<void> Session::ping_typing(std::int64_t dm_id) {
  return id_call("ping_typing", dm_id);
}
Result<void> Session::send_friend_request(std::string_view username) {
  return username_call("send_friend_request", username);
}
Result<std::vector<std::string>> Session::get_friend_requests() {
  return string_list_call("get_friend_requests");
}
Result<std::vector<std::string>> Session::get_outgoing_requests() {
  return string_list_call("get_outgoing_requests");
}
Result<void> Session::ack_friend_request(std::string_view username, bool accept) {
  return Rpc(*channel_, options_.call_timeout)
      .call_true("ack_friend_request",
                 Payload().str("username", username).boolean("accept", accept).text());
}
Result<void> Session::unfriend(std::string_view username) {
  return username_call("unfriend", username);
}
Result<std::vector<std::string>> Session::get_friends() {
  return string_list_call("get_friends");
}
Result<void> Session::block_user(std::string_view username) {
  return username_call("block_user", username);
}
Result<void> Session::unblock(std::string_view username) {
  if (auto d = ensure_dialect(); !d) return pass(d);
  return username_call(dialect_.unblock_event(), username);
}
Result<std::vector<std::string>> Session::get_blocked() {
  return string_list_call("get_blocked");
}

Result<std::map<std::string, std::string>> Session::join_call(std::int64_t dm_id,
                                                              std::string_view uuid) {
  auto r = Rpc(*channel_, options_.call_timeout)
               .call("join_call", Payload().num("id", dm_id).str("uuid", uuid).text());
  if (!r) return pass(r);
  if (!r->IsObject()) return protocol("join_call", "result is not an object");
  std::map<std::string, std::string> out;
  for (const auto& kv : r->GetObject()) {
    if (!kv.value.IsString()) return protocol("join_call", "a uuid is not a string");
    out.emplace(std::string(kv.name.GetString(), kv.name.GetStringLength()),
                std::string(kv.value.GetString(), kv.value.GetStringLength()));
  }
  std::vector<std::string> users;
  for (const auto& entry : out) users.push_back(entry.first);
  remember_call(dm_id, users);
  return out;
}

Result<void> Session::leave_call(std::int64_t dm_id) {
  auto r = id_call("leave_call", dm_id);
  if (r) {
    if (auto it = calls_.find(dm_id); it != calls_.end()) std::erase(it->second, username());
  }
  return r;
}

// ---------------------------------------------------------------- notifications

void Session::set_handlers(Handlers handlers) {
  handlers_ = std::move(handlers);
}

bool Session::disconnected() const {
  return inbox_->gone().has_value() || !channel_->connected();
}

std::optional<Error> Session::last_disconnect() const {
  return inbox_->gone();
}

std::size_t Session::process_notifications(std::chrono::milliseconds wait) {
  auto items = inbox_->take(wait);
  for (auto& [name, args] : items) handle(name, args);
  return items.size();
}

void Session::handle(const std::string& name, const std::string& args) {
  auto malformed = [&](const std::string& detail) {
    if (handlers_.on_malformed) handlers_.on_malformed(MalformedNotification{name, args, detail});
  };
  auto doc = parse_json(args);
  if (!doc) return malformed(doc.error());
  // EV-TRN-024: a notification is ["name", payload]; the channel hands us the argument array.
  if (!doc->IsArray() || doc->Size() != 1) return malformed("expected exactly one argument");
  // The dialect is settled before reading (a failed probe leaves the document's reading).
  (void)ensure_dialect();
  rapidjson::Value& v = (*doc)[0];

  if (name == "message_notification" || name == "message_change_notification") {
    auto m = parse_message(v);
    if (!m) return malformed(m.error());
    if (reacted_.erase(m->id) > 0 && name == "message_change_notification")
      dialect_.note(4, "our reaction to message " + std::to_string(m->id) +
                           " was announced by message_change_notification only (the document: "
                           "message_notification)");
    ReadMessage rm = read(*m);
    if (rm.status == ContentStatus::unknown_dm && held_.size() < options_.max_held) {
      // EV-DM-030: keep it; it is delivered again, decrypted, once the DM key arrives.
      held_.push_back(Held{m->dm_id, name, args});
    }
    const auto& h =
        name == "message_notification" ? handlers_.on_message : handlers_.on_message_change;
    if (h) h(rm);
  } else if (name == "x3dh_notification") {
    auto x = parse_x3dh(v);
    if (!x) return malformed(x.error());
    handle_x3dh(*x);
  } else if (name == "profile_notification") {
    dialect_.read_profile_notification(v);
    auto u = parse_user(v);
    if (!u) return malformed(u.error());
    // A changed key would be a server-side attack on identities; keys are immutable
    // (EV-OBJ-004), so the cache keeps the first one seen and the object is passed on as is.
    if (handlers_.on_profile) handlers_.on_profile(*u);
  } else if (name == "dm_notification") {
    dialect_.read_dm(v, doc->GetAllocator(), "dm_notification");
    auto d = parse_dm(v);
    if (!d) return malformed(d.error());
    const auto before = calls_.find(d->id);
    const bool known = before != calls_.end();
    std::vector<std::string> previous = known ? before->second : std::vector<std::string>{};
    remember_call(d->id, d->users_in_call);
    if (handlers_.on_dm) handlers_.on_dm(*d);
    if (dialect_.deployed() && known) {
      // §12 #7: no user_joined_call / user_left_call; the change of users_in_call says it.
      auto has = [](const std::vector<std::string>& list, const std::string& u) {
        return std::find(list.begin(), list.end(), u) != list.end();
      };
      for (const auto& u : d->users_in_call)
        if (!has(previous, u)) {
          dialect_.note(7, "call joins and leaves read from dm_notification's users_in_call");
          if (handlers_.on_call_joined) handlers_.on_call_joined(CallNotice{d->id, u});
        }
      for (const auto& u : previous)
        if (!has(d->users_in_call, u)) {
          dialect_.note(7, "call joins and leaves read from dm_notification's users_in_call");
          if (handlers_.on_call_left) handlers_.on_call_left(CallNotice{d->id, u});
        }
    }
  } else if (name == "typing_notification") {
    auto t = parse_typing(v);
    if (!t) return malformed(t.error());
    if (handlers_.on_typing) handlers_.on_typing(*t);
  } else if (name == "message_delete_notification") {
    auto id = parse_id(v);
    if (!id) return malformed("payload is not a message id (EV-MSG-030)");
    if (handlers_.on_message_deleted) handlers_.on_message_deleted(*id);
  } else if (name == "scheduled_message_sent_notification" ||
             name == "scheduled_soon_notification") {
    auto s = parse_schedule_notice(v);
    if (!s) return malformed(s.error());
    const auto& h = name == "scheduled_soon_notification" ? handlers_.on_scheduled_soon
                                                          : handlers_.on_scheduled_sent;
    if (h) h(*s);
  } else if (name == "friend_request_notification" || name == "unfriend_notification") {
    auto u = parse_username_payload(v);
    if (!u) return malformed(u.error());
    const auto& h =
        name == "friend_request_notification" ? handlers_.on_friend_request : handlers_.on_unfriend;
    if (h) h(*u);
  } else if (name == "friend_request_accept_notification") {
    auto f = parse_friend_answer(v);
    if (!f) return malformed(f.error());
    if (handlers_.on_friend_answer) handlers_.on_friend_answer(*f);
  } else if (name == "user_joined_call" || name == "user_left_call") {
    auto c = parse_call_notice(v);
    if (!c) return malformed(c.error());
    const auto& h = name == "user_joined_call" ? handlers_.on_call_joined : handlers_.on_call_left;
    if (h) h(*c);
  } else {
    malformed("unknown notification");
  }
}

void Session::handle_x3dh(const X3dhNotification& x) {
  DmJoined joined;
  joined.dm_id = x.id;
  joined.sender = x.sender;
  auto refuse = [&](ErrorCode code, std::string detail) {
    joined.error = Error{code, std::move(detail)};
    if (handlers_.on_dm_joined) handlers_.on_dm_joined(joined);
  };
  if (!identity_) return refuse(ErrorCode::local, "x3dh_notification before login");
  if (keys_.dm_key(x.id) != nullptr) {
    // Delivered again (e.g. on a second connection): the key we hold stays.
    if (handlers_.on_dm_joined) handlers_.on_dm_joined(joined);
    return;
  }
  // CR-X3DH-004: ik must be the sender's registered identity key ...
  auto registered = sender_key(x.sender);
  if (!registered)
    return refuse(registered.error().code, "cannot fetch sender key: " + registered.error().detail);
  auto ik = crypto::parse_public_key(x.ik);
  if (!ik || *ik != *registered)
    return refuse(ErrorCode::crypto, "ik is not " + x.sender + "'s registered identity key");
  // ... and spk must be one of our own SPKs (current or still held).
  auto spk_pub = crypto::parse_public_key(x.spk);
  const crypto::PrivateKey* spk = spk_pub ? keys_.find_spk(*spk_pub) : nullptr;
  if (spk == nullptr) return refuse(ErrorCode::crypto, "spk is not one of our signed prekeys");
  auto ek = crypto::parse_public_key(x.ek);
  if (!ek) return refuse(ErrorCode::crypto, "ek is not a valid key (CR-KEY-004)");
  std::vector<crypto::PublicKey> tree;
  for (const auto& h : x.key_tree) {
    crypto::PublicKey k{};
    if (!from_hex_into(h, k)) return refuse(ErrorCode::crypto, "key_tree entry is not hex");
    tree.push_back(k);
  }
  // receive_group_dm checks tree length, position and points (CR-TREE-006) and our own leaf
  // (CR-TREE-007) before the root is derived.
  auto key = crypto::receive_group_dm(identity_->private_key, *spk, *ik, *ek, tree,
                                      static_cast<std::size_t>(x.position));
  if (!key) return refuse(ErrorCode::crypto, "recvGroupDM: " + crypto_text(key.error()));
  keys_.set_dm_key(x.id, *key);
  if (auto b = backup_keys(); !b) {
    // The key is usable now; only its backup failed, which the caller must hear about.
    joined.error = Error{b.error().code, "key backup failed: " + b.error().detail};
  }
  if (handlers_.on_dm_joined) handlers_.on_dm_joined(joined);
  replay_held(x.id);
}

void Session::replay_held(std::int64_t dm_id) {
  std::vector<Held> replay;
  auto it = std::stable_partition(held_.begin(), held_.end(),
                                  [&](const Held& h) { return h.dm_id != dm_id; });
  std::move(it, held_.end(), std::back_inserter(replay));
  held_.erase(it, held_.end());
  for (const Held& h : replay) handle(h.name, h.args);
}

}  // namespace unm::client
