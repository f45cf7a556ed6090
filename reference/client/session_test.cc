// session_test — the client's protocol duties against MiniServer (an in-process fake server):
// register/login, DM creation and X3DH joining, encrypted messages and reactions, tampering,
// the own_storage backup, and the wire shape of every remaining event.
#include "reference/client/session.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <rapidjson/document.h>

#include "reference/client/fake_server.h"
#include "reference/client/rpc.h"
#include "reference/client/test_client.h"
#include "reference/common/hex.h"
#include "reference/crypto/crypto.h"

namespace unm::client {
namespace {

using testing::Client;
using testing::FakeChannel;
using testing::MiniServer;
using testing::Seen;
using namespace std::chrono_literals;

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init().has_value()); }

  Client connect() {
    Client c;
    c.session = std::make_unique<Session>(server.connect(&c.wire), rng);
    c.session->set_handlers(c.seen->handlers());
    return c;
  }
  Client registered(const std::string& name, bool login = true) {
    Client c = connect();
    auto id = c->register_account(name);
    EXPECT_TRUE(id.has_value()) << describe(id.error());
    c.id = std::move(*id);
    if (login) {
      auto r = c->login(c.id);
      EXPECT_TRUE(r.has_value()) << describe(r.error());
    }
    return c;
  }

  crypto::DeterministicRandom rng{42};
  MiniServer server{rng};
};

TEST_F(SessionTest, RegisterSendsASignedBundleAndSealedKeyStorage) {
  Client a = connect();
  auto id = a->register_account("alice");
  ASSERT_TRUE(id.has_value());
  ASSERT_EQ(a.wire->calls.size(), 1u);
  auto doc = parse_json(a.wire->calls[0].second);
  const rapidjson::Value& p = (*doc)[0];
  const std::string pub = p["public_key"].GetString();
  // CR-SIG-002: sig = signature(ik, spk bytes); public_key is public(ik).
  EXPECT_EQ(pub, to_hex(std::span<const std::uint8_t>(crypto::public_key(id->private_key))));
  EXPECT_TRUE(crypto::verify_hex(pub, p["spk"].GetString(), p["sig"].GetString()).has_value());
  // CR-STORE-001: own_storage opens under the identity key and holds the SPK.
  auto store = KeyStore::open(id->private_key, p["own_storage"].GetString());
  ASSERT_TRUE(store.has_value());
  ASSERT_TRUE(store->spk().has_value());
  EXPECT_EQ(to_hex(std::span<const std::uint8_t>(crypto::public_key(*store->spk()))),
            std::string(p["spk"].GetString()));
  EXPECT_FALSE(a->logged_in());  // EV-AUTH-006
}

TEST_F(SessionTest, LoginAnswersTheChallengeAndLoadsTheKeyStore) {
  Client a = registered("alice");
  EXPECT_TRUE(a->logged_in());
  EXPECT_EQ(a->username(), "alice");
  EXPECT_TRUE(a->keys().spk().has_value());
  // A wrong identity key gives a wrong response: the server refuses.
  Client b = connect();
  Identity wrong{"alice", crypto::generate_private_key(rng)};
  auto r = b->login(wrong);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::refused);
  EXPECT_FALSE(b->logged_in());
}

TEST_F(SessionTest, LoginRefusesAnInvalidChallengePoint) {
  Client a = registered("alice", false);
  server.tamper_ack = [](std::string_view ev, std::string& ack) {
    if (ev == "login") ack = R"([{"success":true,"result":")" + std::string(64, '0') + R"("}])";
  };
  auto r = a->login(a.id);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::protocol);  // CR-KEY-004: identity point refused
}

TEST_F(SessionTest, TwoMemberDmMessagesReactionsAndEditsDecryptOnBothSides) {
  Client a = registered("alice");
  Client b = registered("bob");
  auto dm = a->create_dm({"bob"});
  ASSERT_TRUE(dm.has_value()) << describe(dm.error());
  ASSERT_NE(a->keys().dm_key(*dm), nullptr);
  b.pump();
  ASSERT_EQ(b.seen->joined.size(), 1u);
  EXPECT_FALSE(b.seen->joined[0].error.has_value());
  ASSERT_NE(b->keys().dm_key(*dm), nullptr);
  EXPECT_TRUE(*a->keys().dm_key(*dm) == *b->keys().dm_key(*dm));

  ASSERT_TRUE(a->send_message(*dm, "hello, Bob — ünïcode ✓").has_value());
  a.pump();
  b.pump();
  for (Client* c : {&a, &b}) {
    ASSERT_EQ(c->seen->messages.size(), 1u);
    EXPECT_EQ(c->seen->messages[0].status, ContentStatus::ok);
    EXPECT_EQ(c->seen->messages[0].text, "hello, Bob — ünïcode ✓");
  }
  const std::int64_t mid = b.seen->messages[0].raw.id;
  auto rid = b->add_reaction(mid, "👍");
  ASSERT_TRUE(rid.has_value()) << describe(rid.error());
  a.pump();
  ASSERT_EQ(a.seen->messages.size(), 2u);  // EV-RCT-004: message_notification again
  ASSERT_EQ(a.seen->messages[1].reactions.size(), 1u);
  EXPECT_EQ(a.seen->messages[1].reactions[0].status, ContentStatus::ok);
  EXPECT_EQ(a.seen->messages[1].reactions[0].text, "👍");

  ASSERT_TRUE(a->edit_message(mid, "hello again").has_value());
  b.pump();
  ASSERT_FALSE(b.seen->changes.empty());
  EXPECT_EQ(b.seen->changes.back().text, "hello again");
  EXPECT_EQ(b.seen->changes.back().status, ContentStatus::ok);
  // Only the sender may edit (EV-MSG-021), checked before anything is sent.
  auto e = b->edit_message(mid, "mine now");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, ErrorCode::local);

  auto hist = b->get_message_history(*dm, "", 10);
  ASSERT_TRUE(hist.has_value()) << describe(hist.error());
  ASSERT_EQ(hist->size(), 1u);
  EXPECT_EQ((*hist)[0].text, "hello again");
}

TEST_F(SessionTest, NineMemberDmEveryoneReadsEveryone) {
  std::vector<Client> cs;
  std::vector<std::string> names;
  for (int i = 0; i < 9; ++i) {
    names.push_back("user" + std::to_string(i));
    cs.push_back(registered(names.back()));
  }
  auto dm = cs[0]->create_dm(std::vector<std::string>(names.begin() + 1, names.end()));
  ASSERT_TRUE(dm.has_value()) << describe(dm.error());
  for (auto& c : cs) c.pump();
  for (std::size_t i = 1; i < cs.size(); ++i) {
    ASSERT_EQ(cs[i].seen->joined.size(), 1u) << i;
    ASSERT_FALSE(cs[i].seen->joined[0].error.has_value()) << describe(*cs[i].seen->joined[0].error);
    EXPECT_TRUE(*cs[i]->keys().dm_key(*dm) == *cs[0]->keys().dm_key(*dm));
  }
  for (std::size_t i = 0; i < cs.size(); ++i)
    ASSERT_TRUE(cs[i]->send_message(*dm, "from " + names[i]).has_value());
  for (auto& c : cs) {
    c.pump();
    ASSERT_EQ(c.seen->messages.size(), 9u);
    for (std::size_t i = 0; i < 9; ++i) {
      EXPECT_EQ(c.seen->messages[i].status, ContentStatus::ok);
      EXPECT_EQ(c.seen->messages[i].text, "from " + c.seen->messages[i].raw.sender);
    }
  }
}

TEST_F(SessionTest, OfflineMemberJoinsFromThePendingX3dhAtLogin) {
  Client a = registered("alice");
  Client c = registered("carol", false);
  auto dm = a->create_dm({"carol"});
  ASSERT_TRUE(dm.has_value());
  EXPECT_EQ(server.pending_count("carol"), 1u);
  ASSERT_TRUE(a->send_message(*dm, "sent while you were away").has_value());
  ASSERT_TRUE(c->login(c.id).has_value());
  c.pump();
  ASSERT_EQ(c.seen->joined.size(), 1u);
  EXPECT_FALSE(c.seen->joined[0].error.has_value());
  auto hist = c->get_message_history(*dm, "", 5);
  ASSERT_TRUE(hist.has_value());
  ASSERT_EQ(hist->size(), 1u);
  EXPECT_EQ((*hist)[0].status, ContentStatus::ok);
  EXPECT_EQ((*hist)[0].text, "sent while you were away");
}

TEST_F(SessionTest, AnotherClientOfTheSameAccountRecoversEveryKey) {
  Client a = registered("alice");
  Client b = registered("bob");
  Client c = registered("carol");
  auto dm1 = a->create_dm({"bob"});
  auto dm2 = c->create_dm({"bob", "alice"});
  ASSERT_TRUE(dm1.has_value() && dm2.has_value());
  b.pump();
  ASSERT_EQ(b.seen->joined.size(), 2u);
  // A fresh client knowing only bob's identity key reads both DMs (CR-STORE-001).
  Client b2 = connect();
  ASSERT_TRUE(b2->login(b.id).has_value());
  ASSERT_NE(b2->keys().dm_key(*dm1), nullptr);
  ASSERT_NE(b2->keys().dm_key(*dm2), nullptr);
  EXPECT_TRUE(*b2->keys().dm_key(*dm2) == *c->keys().dm_key(*dm2));
  ASSERT_TRUE(b2->send_message(*dm2, "from my laptop").has_value());
  a.pump();
  EXPECT_EQ(a.seen->messages.back().text, "from my laptop");
}

TEST_F(SessionTest, KeyBackupKeepsFieldsAnotherClientAdded) {
  Client a = registered("alice");
  registered("bob");
  // Another client of alice's account adds a field of its own to the backup meanwhile.
  auto remote = KeyStore::open(a.id.private_key, server.sealed_storage("alice"));
  ASSERT_TRUE(remote.has_value());
  remote->set_extra_field("webClientSettings", R"({"theme":"dark"})");
  server.set_sealed_storage("alice", *remote->seal(a.id.private_key, rng));
  auto dm = a->create_dm({"bob"});  // read-merge-write of own_storage (CR-STORE-001)
  ASSERT_TRUE(dm.has_value()) << describe(dm.error());
  auto after = KeyStore::open(a.id.private_key, server.sealed_storage("alice"));
  ASSERT_TRUE(after.has_value());
  EXPECT_NE(after->dm_key(*dm), nullptr);
  EXPECT_EQ(after->extra_fields(), (std::vector<std::pair<std::string, std::string>>{
                                       {"webClientSettings", R"({"theme":"dark"})"}}));
}

TEST_F(SessionTest, TamperedMessagesAreReportedNeverShown) {
  Client a = registered("alice");
  Client b = registered("bob");
  auto dm = a->create_dm({"bob"});
  ASSERT_TRUE(dm.has_value());
  b.pump();
  // Bad tag: a valid signature by alice over a ciphertext made under another key.
  crypto::SharedKey wrong;
  rng.fill(wrong.mutable_bytes());
  const std::string text = "secret";
  auto ct =
      crypto::aead_encrypt_hex(wrong,
                               std::span<const std::uint8_t>(
                                   reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                               rng);
  auto sig = crypto::sign(a.id.private_key, *from_hex(*ct));
  const std::int64_t bad_tag =
      server.raw_message(*dm, "alice", *ct, to_hex(std::span<const std::uint8_t>(sig)));
  auto m1 = b->get_message(bad_tag);
  ASSERT_TRUE(m1.has_value());
  EXPECT_EQ(m1->status, ContentStatus::undecryptable);
  EXPECT_TRUE(m1->text.empty());

  // Bad signature: a real ciphertext for the DM, signed by bob but claimed to be alice's.
  const crypto::SharedKey& key = *a->keys().dm_key(*dm);
  auto good_ct =
      crypto::aead_encrypt_hex(key,
                               std::span<const std::uint8_t>(
                                   reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                               rng);
  auto bob_sig = crypto::sign(b.id.private_key, *from_hex(*good_ct));
  const std::int64_t bad_sig =
      server.raw_message(*dm, "alice", *good_ct, to_hex(std::span<const std::uint8_t>(bob_sig)));
  auto m2 = b->get_message(bad_sig);
  ASSERT_TRUE(m2.has_value());
  EXPECT_EQ(m2->status, ContentStatus::bad_signature);
  EXPECT_TRUE(m2->text.empty());

  // A notification whose signature was altered in transit.
  server.tamper = [](const std::string&, const std::string& name, std::string& payload) {
    if (name != "message_notification") return true;
    auto pos = payload.find("\"signature\":\"") + 13;
    payload[pos] = payload[pos] == 'a' ? 'b' : 'a';
    return true;
  };
  ASSERT_TRUE(a->send_message(*dm, "hi").has_value());
  b.pump();
  ASSERT_EQ(b.seen->messages.size(), 1u);
  EXPECT_EQ(b.seen->messages[0].status, ContentStatus::bad_signature);
  EXPECT_TRUE(b.seen->messages[0].text.empty());
  EXPECT_EQ(content_status_name(b.seen->messages[0].status), "bad_signature");
}

TEST_F(SessionTest, MessagesOfADmWithoutKeyAreHeldAndReplayedWhenTheKeyArrives) {
  Client a = registered("alice");
  Client b = registered("bob");
  std::string held_x3dh;
  server.tamper = [&](const std::string&, const std::string& name, std::string& payload) {
    if (name != "x3dh_notification") return true;
    held_x3dh = payload;
    return false;
  };
  auto dm = a->create_dm({"bob"});
  ASSERT_TRUE(dm.has_value());
  ASSERT_TRUE(a->send_message(*dm, "early bird").has_value());
  b.pump();
  ASSERT_EQ(b.seen->messages.size(), 1u);
  EXPECT_EQ(b.seen->messages[0].status, ContentStatus::unknown_dm);
  EXPECT_TRUE(b.seen->messages[0].text.empty());
  b.wire->deliver("x3dh_notification", held_x3dh);
  b.pump();
  ASSERT_EQ(b.seen->joined.size(), 1u);
  ASSERT_EQ(b.seen->messages.size(), 2u);  // EV-DM-030: replayed once the key is there
  EXPECT_EQ(b.seen->messages[1].status, ContentStatus::ok);
  EXPECT_EQ(b.seen->messages[1].text, "early bird");
  EXPECT_EQ(b.seen->messages[1].raw.id, b.seen->messages[0].raw.id);
}

TEST_F(SessionTest, ForgedX3dhNotificationsAreRefused) {
  Client a = registered("alice");
  Client b = registered("bob");
  Client m = registered("mallory");
  std::string x3dh;
  server.tamper = [&](const std::string&, const std::string& name, std::string& payload) {
    if (name == "x3dh_notification") x3dh = payload;
    return name != "x3dh_notification";
  };
  auto dm = a->create_dm({"bob"});
  ASSERT_TRUE(dm.has_value());
  auto replace = [&](const std::string& key, const std::string& value) {
    auto d = parse_json(x3dh);
    auto& v = (*d)[key.c_str()];
    v.SetString(value.c_str(), static_cast<rapidjson::SizeType>(value.size()), d->GetAllocator());
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    d->Accept(w);
    return std::string(sb.GetString());
  };
  const std::string mallory_pub =
      to_hex(std::span<const std::uint8_t>(crypto::public_key(m.id.private_key)));
  // CR-X3DH-004: ik is not the sender's registered key.
  b.wire->deliver("x3dh_notification", replace("ik", mallory_pub));
  // CR-X3DH-004: spk is not one of bob's.
  b.wire->deliver("x3dh_notification", replace("spk", mallory_pub));
  // CR-TREE-007: the tree was altered (bob's own leaf no longer matches).
  {
    auto d = parse_json(x3dh);
    auto& tree = (*d)["key_tree"];
    tree[tree.Size() - 1].SetString(mallory_pub.c_str(), 64, d->GetAllocator());
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    d->Accept(w);
    b.wire->deliver("x3dh_notification", sb.GetString());
  }
  b.pump();
  ASSERT_EQ(b.seen->joined.size(), 3u);
  for (const auto& j : b.seen->joined) {
    ASSERT_TRUE(j.error.has_value());
    EXPECT_EQ(j.error->code, ErrorCode::crypto) << j.error->detail;
  }
  EXPECT_EQ(b->keys().dm_key(*dm), nullptr);
  // The genuine one still works afterwards.
  b.wire->deliver("x3dh_notification", x3dh);
  b.pump();
  ASSERT_EQ(b.seen->joined.size(), 4u);
  EXPECT_FALSE(b.seen->joined[3].error.has_value());
  EXPECT_NE(b->keys().dm_key(*dm), nullptr);
}

TEST_F(SessionTest, RotatedSpkStillAcceptsInvitationsMadeWithTheOldOne) {
  Client a = registered("alice");
  Client b = registered("bob");
  std::string held;
  server.tamper = [&](const std::string&, const std::string& name, std::string& payload) {
    if (name != "x3dh_notification" || !held.empty()) return true;
    held = payload;  // delay the first invitation until after the rotation
    return false;
  };
  auto dm1 = a->create_dm({"bob"});
  ASSERT_TRUE(dm1.has_value());
  const crypto::PublicKey old_spk = crypto::public_key(*b->keys().spk());
  ASSERT_TRUE(b->rotate_spk().has_value());
  EXPECT_FALSE(crypto::public_key(*b->keys().spk()) == old_spk);
  // The published SPK is the new one (set_user carried spk + sig + own_storage).
  auto pub = a->get_user("bob");
  ASSERT_TRUE(pub.has_value());
  EXPECT_EQ(*pub->spk, to_hex(std::span<const std::uint8_t>(crypto::public_key(*b->keys().spk()))));
  b.wire->deliver("x3dh_notification", held);  // names the old SPK (EV-USR-011)
  auto dm2 = a->create_dm({"bob", "carol_missing"});
  EXPECT_EQ(dm2.error().code, ErrorCode::refused);  // unknown user: nothing created
  Client c = registered("carol");
  dm2 = a->create_dm({"bob", "carol"});
  ASSERT_TRUE(dm2.has_value());
  b.pump();
  ASSERT_EQ(b.seen->joined.size(), 2u);
  for (const auto& j : b.seen->joined) EXPECT_FALSE(j.error.has_value());
  // A fresh client of bob's account gets the new SPK and both DM keys from own_storage.
  Client b2 = connect();
  ASSERT_TRUE(b2->login(b.id).has_value());
  EXPECT_TRUE(*b2->keys().spk() == *b->keys().spk());
  EXPECT_EQ(b2->keys().dm_ids(), (std::vector<std::int64_t>{*dm1, *dm2}));
}

TEST_F(SessionTest, CreateDmRefusesAForgedSignedPrekey) {
  Client a = registered("alice");
  Client b = registered("bob");
  server.tamper_ack = [](std::string_view ev, std::string& ack) {
    if (ev != "get_user") return;
    auto pos = ack.find("\"sig\":\"") + 7;
    ack[pos] = ack[pos] == '0' ? '1' : '0';
  };
  auto dm = a->create_dm({"bob"});
  ASSERT_FALSE(dm.has_value());
  EXPECT_EQ(dm.error().code, ErrorCode::crypto);
  EXPECT_NE(dm.error().detail.find("bob"), std::string::npos);
  // Nothing was sent to the server (CR-X3DH-001: the whole creation fails).
  for (const auto& c : a.wire->calls) EXPECT_NE(c.first, "create_dm");
}

TEST_F(SessionTest, LocalMisuseIsALocalError) {
  Client a = registered("alice");
  Client n = connect();
  EXPECT_EQ(n->create_dm({"alice"}).error().code, ErrorCode::local);  // not logged in
  EXPECT_EQ(a->create_dm({}).error().code, ErrorCode::local);
  EXPECT_EQ(a->create_dm({"alice"}).error().code, ErrorCode::local);
  EXPECT_EQ(a->send_message(99, "x").error().code, ErrorCode::local);  // no key for DM 99
  Client b = registered("bob");
  auto dm = a->create_dm({"bob", "bob"});
  EXPECT_EQ(dm.error().code, ErrorCode::local);
  auto ok = a->create_dm({"bob"});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(a->send_message(*ok, std::string("\xff\xfe", 2)).error().code, ErrorCode::local);
  EXPECT_EQ(a->create_dm({"nobody"}).error().code, ErrorCode::refused);
}

TEST_F(SessionTest, MalformedAndUnknownNotificationsAreReported) {
  Client a = registered("alice");
  a.wire->deliver("message_notification", "1");
  a.wire->deliver("message_notification", R"({"id":"1"})");
  a.wire->deliver("no_such_notification", "{}");
  a.wire->deliver("x3dh_notification", "[]");
  a.wire->deliver("message_delete_notification", R"({"id":1})");
  a.pump();
  EXPECT_EQ(a.seen->malformed.size(), 5u);
  EXPECT_TRUE(a.seen->messages.empty());
}

TEST_F(SessionTest, DisconnectIsObservable) {
  Client a = registered("alice");
  EXPECT_FALSE(a->disconnected());
  a.wire->drop();
  EXPECT_TRUE(a->disconnected());
  ASSERT_TRUE(a->last_disconnect().has_value());
  EXPECT_EQ(a->last_disconnect()->code, ErrorCode::transport);
  EXPECT_EQ(a->get_dms().error().code, ErrorCode::transport);
}

// ---- wire shape of the events without crypto, against a scripted channel ----

TEST(SessionWire, EveryEventSendsItsDocumentedPayload) {
  crypto::DeterministicRandom rng(5);
  std::string result = "true";
  auto ch = std::make_unique<FakeChannel>(
      [&](FakeChannel&, std::string_view, std::string_view) -> std::optional<std::string> {
        return R"([{"success":true,"result":)" + result + "}]";
      });
  FakeChannel* wire = ch.get();
  SessionOptions document;
  document.dialect = DialectChoice::document;  // this fake says yes to anything, even a probe
  Session s(std::move(ch), rng, document);
  auto last = [&] { return wire->calls.back(); };
  using Call = std::pair<std::string, std::string>;

  ASSERT_TRUE(s.send_friend_request("bob").has_value());
  EXPECT_EQ(last(), Call("send_friend_request", R"([{"username":"bob"}])"));
  ASSERT_TRUE(s.ack_friend_request("bob", false).has_value());
  EXPECT_EQ(last(), Call("ack_friend_request", R"([{"username":"bob","accept":false}])"));
  ASSERT_TRUE(s.unfriend("bob").has_value());
  EXPECT_EQ(last(), Call("unfriend", R"([{"username":"bob"}])"));
  ASSERT_TRUE(s.block_user("bob").has_value());
  EXPECT_EQ(last(), Call("block_user", R"([{"username":"bob"}])"));
  ASSERT_TRUE(s.unblock("bob").has_value());
  EXPECT_EQ(last(), Call("unblock", R"([{"username":"bob"}])"));  // EV-FRD-008
  ASSERT_TRUE(s.set_dm_name(3, std::nullopt).has_value());
  EXPECT_EQ(last(), Call("set_dm", R"([{"id":3,"name":null}])"));
  ASSERT_TRUE(s.set_dm_name(3, "Crew").has_value());
  EXPECT_EQ(last(), Call("set_dm", R"([{"id":3,"name":"Crew"}])"));
  ASSERT_TRUE(s.leave_dm(3).has_value());
  EXPECT_EQ(last(), Call("leave_dm", R"([{"id":3}])"));
  ASSERT_TRUE(s.set_pinned(8, true).has_value());
  EXPECT_EQ(last(), Call("set_message", R"([{"id":8,"pinned":true}])"));
  ASSERT_TRUE(s.cancel_scheduled_message(3, 2).has_value());
  EXPECT_EQ(last(), Call("cancel_scheduled_message", R"([{"dm_id":3,"schedule_id":2}])"));
  ASSERT_TRUE(s.remove_reaction(4).has_value());
  EXPECT_EQ(last(), Call("remove_reaction", R"([{"id":4}])"));
  ASSERT_TRUE(s.ping_typing(3).has_value());
  EXPECT_EQ(last(), Call("ping_typing", R"([{"id":3}])"));
  ASSERT_TRUE(s.leave_call(3).has_value());
  EXPECT_EQ(last(), Call("leave_call", R"([{"id":3}])"));
  ASSERT_TRUE(s.set_user(UserChanges{"away", "bio", std::nullopt}).has_value());
  EXPECT_EQ(last(), Call("set_user", R"([{"status":"away","biography":"bio"}])"));
  EXPECT_EQ(s.set_user(UserChanges{}).error().code, ErrorCode::local);

  result = R"(["a","b"])";
  for (auto [fn, ev] :
       std::vector<std::pair<Result<std::vector<std::string>> (Session::*)(), std::string>>{
           {&Session::get_friends, "get_friends"},
           {&Session::get_blocked, "get_blocked"},
           {&Session::get_friend_requests, "get_friend_requests"},
           {&Session::get_outgoing_requests, "get_outgoing_requests"}}) {
    auto r = (s.*fn)();
    ASSERT_TRUE(r.has_value()) << ev;
    EXPECT_EQ(*r, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(last(), Call(ev, "[{}]"));
  }
  result = "[1,5]";
  EXPECT_EQ(*s.get_dms(), (std::vector<std::int64_t>{1, 5}));
  result = "true";
  EXPECT_TRUE(*s.username_exists("x"));
  EXPECT_EQ(last(), Call("username_exists", R"([{"username":"x"}])"));
  result = R"({"alice":"u1","bob":"u2"})";
  auto call = s.join_call(3, "u2");
  ASSERT_TRUE(call.has_value());
  EXPECT_EQ(call->at("alice"), "u1");
  EXPECT_EQ(last(), Call("join_call", R"([{"id":3,"uuid":"u2"}])"));
  result = "[]";
  auto hist = s.get_message_history(3, "2023-07-22T01:58:59.123456", 20);
  ASSERT_TRUE(hist.has_value());
  EXPECT_EQ(last(), Call("get_message_history",
                         R"([{"id":3,"cursor":"2023-07-22T01:58:59.123456","count":20}])"));
  ASSERT_TRUE(s.get_pinned(3).has_value());
  EXPECT_EQ(last(), Call("get_pinned", R"([{"id":3}])"));

  // Results of the wrong type are protocol errors, not crashes.
  result = R"("nope")";
  EXPECT_EQ(s.get_dms().error().code, ErrorCode::protocol);
  EXPECT_EQ(s.get_friends().error().code, ErrorCode::protocol);
  EXPECT_EQ(s.join_call(1, "u").error().code, ErrorCode::protocol);
  EXPECT_EQ(s.get_pinned(1).error().code, ErrorCode::protocol);
  EXPECT_EQ(s.username_exists("x").error().code, ErrorCode::protocol);
  EXPECT_EQ(s.get_dm(1).error().code, ErrorCode::protocol);
}

// Property: whatever payload arrives under a known notification name, processing it never
// crashes and never produces plaintext (no key is held by this fresh session).
RC_GTEST_PROP(SessionProperty, ArbitraryNotificationsNeverCrash, ()) {
  crypto::DeterministicRandom rng(9);
  MiniServer server(rng);
  FakeChannel* wire = nullptr;
  Session s(server.connect(&wire), rng);
  std::size_t shown = 0;
  Handlers h;
  h.on_message = [&](const ReadMessage& m) { shown += m.text.empty() ? 0 : 1; };
  s.set_handlers(h);
  const std::string name = *rc::gen::element<std::string>(
      "message_notification", "message_change_notification", "x3dh_notification",
      "profile_notification", "dm_notification", "typing_notification",
      "message_delete_notification", "scheduled_soon_notification",
      "friend_request_accept_notification", "user_joined_call", "whatever");
  const auto pieces = *rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
      "{", "}", "[", "]", ",", ":", "\"id\"", "\"dm_id\"", "\"sender\"", "\"message\"",
      "\"signature\"", "\"reactions\"", "\"pinned\"", "\"timestamp\"", "1", "true", "null", "\"a\"",
      "\"" + std::string(64, 'a') + "\""));
  std::string payload;
  for (const auto& p : pieces) payload += p;
  wire->deliver(name, payload);
  s.process_notifications(0ms);
  RC_ASSERT(shown == 0u);
}

}  // namespace
}  // namespace unm::client
