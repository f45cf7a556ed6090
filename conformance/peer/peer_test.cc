// peer_test — the strict member against the client library's in-process MiniServer: a correct
// client gets its message echoed and no finding; each fault a client could commit (a tag that
// does not match, a signature by another key, a key tree of the wrong length) is reported with
// its clause and is never echoed.
#include "conformance/peer/peer.h"
#include "conformance/peer/script.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "reference/client/fake_server.h"
#include "reference/common/hex.h"
#include "reference/crypto/crypto.h"
#include "reference/crypto/sign.h"

namespace unm::conformance::peer {
namespace {

using namespace std::chrono_literals;
using client::ContentStatus;
using client::Session;
using client::testing::MiniServer;

struct User {
  std::unique_ptr<Session> session;
  client::Identity id;
  std::vector<client::ReadMessage> received;
};

// rewrite parses a JSON object, lets `edit` change it, and writes it back.
std::string rewrite(const std::string& json,
                    const std::function<void(rapidjson::Document&)>& edit) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  edit(d);
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  d.Accept(w);
  return b.GetString();
}

void set_string(rapidjson::Document& d, const char* key, const std::string& v) {
  d[key].SetString(v.c_str(), static_cast<rapidjson::SizeType>(v.size()), d.GetAllocator());
}

class PeerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init().has_value()); }

  User user(const std::string& name) {
    User u;
    u.session = std::make_unique<Session>(server.connect(), rng);
    auto id = u.session->register_account(name);
    EXPECT_TRUE(id.has_value());
    u.id = std::move(*id);
    EXPECT_TRUE(u.session->login(u.id).has_value());
    return u;
  }

  // run_peer lets the peer and alice exchange notifications for a few rounds.
  void run(Peer& p, User& alice) {
    for (int i = 0; i < 5; ++i) {
      p.step(0ms);
      alice.session->process_notifications(0ms);
    }
  }

  crypto::DeterministicRandom rng{7};
  MiniServer server{rng};
};

TEST_F(PeerTest, JoinsDecryptsAndEchoesACorrectClientWithoutFindings) {
  User alice = user("alice");
  User bot = user("peerbot");
  client::Handlers h;
  h.on_message = [&](const client::ReadMessage& m) {
    if (m.raw.sender != "alice") alice.received.push_back(m);  // not alice's own, sent back
  };
  alice.session->set_handlers(h);
  Peer p(*bot.session, "echo: ", {}, {});
  p.start();
  auto dm = alice.session->create_dm({"peerbot"});
  ASSERT_TRUE(dm.has_value());
  run(p, alice);
  ASSERT_TRUE(alice.session->send_message(*dm, "hello").has_value());
  run(p, alice);
  EXPECT_EQ(p.counts().dms_joined, 1u);
  EXPECT_EQ(p.counts().messages_ok, 1u);
  EXPECT_EQ(p.counts().echoes, 1u);
  ASSERT_EQ(alice.received.size(), 1u);
  EXPECT_EQ(alice.received[0].raw.sender, "peerbot");
  EXPECT_EQ(alice.received[0].status, ContentStatus::ok);
  EXPECT_EQ(alice.received[0].text, "echo: hello");
  EXPECT_TRUE(p.finish().empty());
  EXPECT_EQ(p.stats().client_clauses.at("CR-SIG-002").checked, 1u);
  EXPECT_EQ(p.stats().client_clauses.at("CR-X3DH-004").checked, 1u);
}

TEST_F(PeerTest, DoesNotEchoAnEchoSoTwoPeersCannotLoop) {
  User alice = user("alice");
  User bot = user("peerbot");
  Peer p(*bot.session, "echo: ", {}, {});
  p.start();
  auto dm = alice.session->create_dm({"peerbot"});
  ASSERT_TRUE(dm.has_value());
  run(p, alice);
  ASSERT_TRUE(alice.session->send_message(*dm, "echo: from another peer").has_value());
  run(p, alice);
  EXPECT_EQ(p.counts().messages_ok, 1u);
  EXPECT_EQ(p.counts().echoes, 0u);
  EXPECT_TRUE(p.finish().empty());
}

TEST_F(PeerTest, ReportsATagThatDoesNotMatchAndASignatureByAnotherKey) {
  User alice = user("alice");
  User bot = user("peerbot");
  const auto other = crypto::generate_private_key(rng);
  int n = 0;
  // The first message arrives with its tag flipped and re-signed by alice (so that only the
  // AEAD fails); the second signed by a key that is not alice's.
  server.tamper = [&](const std::string& to, const std::string& name, std::string& payload) {
    if (to != "peerbot" || name != "message_notification") return true;
    ++n;
    payload = rewrite(payload, [&](rapidjson::Document& d) {
      std::string ct = d["message"].GetString();
      if (n == 1) {
        ct.back() = ct.back() == '0' ? '1' : '0';
        set_string(d, "message", ct);
      }
      const auto bytes = *from_hex(ct);
      const auto sig = crypto::sign(n == 1 ? alice.id.private_key : other, bytes);
      set_string(d, "signature", to_hex(std::span<const std::uint8_t>(sig)));
    });
    return true;
  };
  Peer p(*bot.session, "echo: ", {}, {});
  p.start();
  auto dm = alice.session->create_dm({"peerbot"});
  ASSERT_TRUE(dm.has_value());
  run(p, alice);
  ASSERT_TRUE(alice.session->send_message(*dm, "one").has_value());
  ASSERT_TRUE(alice.session->send_message(*dm, "two").has_value());
  run(p, alice);
  const auto& f = p.finish();
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].clause, "CR-AEAD-001");
  EXPECT_EQ(f[0].side, observe::Side::client);
  EXPECT_NE(f[0].message.find("undecryptable"), std::string::npos);
  EXPECT_EQ(f[1].clause, "CR-SIG-002");
  EXPECT_NE(f[1].message.find("bad_signature"), std::string::npos);
  EXPECT_FALSE(f[1].frames.empty());
  EXPECT_EQ(p.counts().echoes, 0u);  // nothing unverified is answered
  EXPECT_EQ(p.stats().client_clauses.at("CR-SIG-002").failed, 1u);
}

TEST_F(PeerTest, ReportsAKeyTreeOfTheWrongLengthAndTheMessagesItLeftUnreadable) {
  User alice = user("alice");
  User bot = user("peerbot");
  server.tamper = [&](const std::string& to, const std::string& name, std::string& payload) {
    if (to != "peerbot" || name != "x3dh_notification") return true;
    payload = rewrite(payload, [](rapidjson::Document& d) { d["key_tree"].PopBack(); });
    return true;
  };
  Peer p(*bot.session, "echo: ", {}, {});
  p.start();
  auto dm = alice.session->create_dm({"peerbot"});
  ASSERT_TRUE(dm.has_value());
  run(p, alice);
  ASSERT_TRUE(alice.session->send_message(*dm, "unreadable").has_value());
  run(p, alice);
  const auto& f = p.finish();
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].clause, "CR-TREE-006");
  EXPECT_EQ(f[1].clause, "CR-X3DH-001");
  EXPECT_EQ(p.counts().dms_refused, 1u);
  EXPECT_EQ(p.counts().echoes, 0u);
}

TEST(PeerClauses, NameTheClauseOfEachFailure) {
  EXPECT_EQ(content_clause(ContentStatus::ok), "");
  EXPECT_EQ(content_clause(ContentStatus::bad_signature), "CR-SIG-002");
  EXPECT_EQ(content_clause(ContentStatus::undecryptable), "CR-AEAD-001");
  EXPECT_EQ(join_error_clause({client::ErrorCode::crypto, "spk is not one of our signed prekeys"}),
            "CR-X3DH-004");
  EXPECT_EQ(join_error_clause({client::ErrorCode::crypto, "recvGroupDM: leaf_mismatch"}),
            "CR-TREE-007");
  EXPECT_EQ(join_error_clause({client::ErrorCode::crypto, "recvGroupDM: bad_tree_length"}),
            "CR-TREE-006");
}

}  // namespace
}  // namespace unm::conformance::peer

namespace unm::conformance::peer {
namespace {

TEST(PeerScript, ParsesEveryKindOfStep) {
  auto s = parse_script(R"({"steps": [
    {"send": "a"}, {"send": "b", "tamper": "tag"}, {"send": "c", "tamper": "signature"},
    {"send": "d", "schedule": 2}, {"send": "e", "delete": 9, "note": "n"}, {"edit": "f"},
    {"react": "g"}, {"create_dm": ["$client", "carol"], "switch": true}, {"wait": 0.5}]})");
  ASSERT_TRUE(s.has_value()) << s.error();
  ASSERT_EQ(s->size(), 9u);
  EXPECT_EQ((*s)[1].tamper, "tag");
  EXPECT_EQ((*s)[3].schedule, 2);
  EXPECT_EQ((*s)[4].delete_after, 9);
  EXPECT_EQ((*s)[4].note, "n");
  EXPECT_EQ((*s)[7].kind, ScriptStep::Kind::create_dm);
  EXPECT_TRUE((*s)[7].switch_to);
  EXPECT_EQ((*s)[8].wait_seconds, 0.5);
}

TEST(PeerScript, RefusesMalformedStepsNamingTheStep) {
  const std::pair<const char*, const char*> bad[] = {
      {"[]", "object"},
      {R"({"steps": [{"send": "a"}, {"send": 1}]})", "step 2"},
      {R"({"steps": [{"send": "a", "tamper": "iv"}]})", "tamper"},
      {R"({"steps": [{"send": "a", "schedule": -1}]})", "schedule"},
      {R"({"steps": [{"send": "a", "edit": "b"}]})", "exactly one"},
      {R"({"steps": [{"create_dm": []}]})", "create_dm"},
      {R"({"steps": [{"wait": "x"}]})", "wait"},
      {"{", "JSON"},
  };
  for (const auto& [text, why] : bad) {
    auto s = parse_script(text);
    ASSERT_FALSE(s.has_value()) << text;
    EXPECT_NE(s.error().find(why), std::string::npos) << text << " → " << s.error();
  }
}

}  // namespace
}  // namespace unm::conformance::peer
