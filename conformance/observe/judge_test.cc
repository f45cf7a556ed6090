// judge_test.cc — the judge fed with Socket.IO packets as the wire tap would: a correct session
// gives no finding; each fault of a client or a server gives its clause on its side.
#include "conformance/observe/judge.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>

#include "reference/common/hex.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/crypto/sign.h"

namespace unm::conformance::observe {
namespace {

namespace sio = transport::sio;
using Clock = std::chrono::system_clock;

// Id is a user with real keys.
struct Id {
  std::string name;
  crypto::PrivateKey ik;
  std::string pub, spk, sig;
};

Id make_id(crypto::Random& rng, std::string name) {
  Id u;
  u.name = std::move(name);
  u.ik = crypto::generate_private_key(rng);
  u.pub = to_hex(crypto::public_key(u.ik));
  const auto spk_priv = crypto::generate_private_key(rng);
  const auto spk = crypto::public_key(spk_priv);
  u.spk = to_hex(spk);
  u.sig = to_hex(crypto::sign(u.ik, spk));
  return u;
}

std::string sign_hex(const Id& u, const std::string& msg_hex) {
  const auto bytes = from_hex(msg_hex);
  return to_hex(crypto::sign(u.ik, *bytes));
}

std::string random_hex(crypto::Random& rng, std::size_t bytes) {
  std::vector<std::uint8_t> b(bytes);
  rng.fill(b);
  return to_hex(b);
}

class JudgeTest : public ::testing::Test {
 protected:
  JudgeTest() : rng_(7) {
    alice_ = make_id(rng_, "alice");
    bob_ = make_id(rng_, "bob");
    s_ = judge_.open_session(now_);
    t_ = judge_.open_session(now_);
  }

  void feed(std::uint64_t s, Direction d, const std::string& text) {
    rapidjson::Document dom;
    auto p = sio::decode(text, {}, &dom);
    ASSERT_TRUE(p.has_value()) << text;
    sio::Incoming in{sio::Message{*p, {}}, std::move(dom)};
    judge_.on_packet(s, d, now_, in, text);
  }
  // c sends a client EVENT: `text` is the packet after its type digit ("<ack id>[…]").
  void c(const std::string& text, std::uint64_t s = 0) {
    feed(s ? s : s_, Direction::to_server, "2" + text);
  }
  void sv(const std::string& text, std::uint64_t s = 0) {
    feed(s ? s : s_, Direction::to_client, text);
  }

  // login registers and logs `u` in on session `s` (correct frames on both sides).
  void login(const Id& u, std::uint64_t s, int base) {
    const std::string b = std::to_string(base);
    c(b + R"(0["register",{"username":")" + u.name + R"(","public_key":")" + u.pub +
          R"(","spk":")" + u.spk + R"(","sig":")" + u.sig + R"(","own_storage":""}])",
      s);
    sv("3" + b + R"(0[{"success":true,"result":true}])", s);
    c(b + R"(1["login",{"username":")" + u.name + R"("}])", s);
    sv("3" + b + R"(1[{"success":true,"result":")" + alice_.spk + R"("}])", s);
    c(b + R"(2["login_challenge_response",{"response":")" + bob_.spk + R"("}])", s);
    sv("3" + b + R"(2[{"success":true,"result":true}])", s);
  }

  std::size_t count(Side side, std::string_view clause) const {
    return std::count_if(judge_.findings().begin(), judge_.findings().end(),
                         [&](const Finding& f) { return f.side == side && f.clause == clause; });
  }
  std::string dump() const {
    std::string s;
    for (const auto& f : judge_.findings()) {
      s += std::string(side_name(f.side)) + " " + f.clause + " " + f.message + "\n";
    }
    return s;
  }

  std::string message_json(int id, int dm, const Id& sender, const std::string& ct,
                           const std::string& sig, const std::string& ts) {
    return R"({"id":)" + std::to_string(id) + R"(,"dm_id":)" + std::to_string(dm) +
           R"(,"sender":")" + sender.name + R"(","message":")" + ct + R"(","signature":")" + sig +
           R"(","timestamp":")" + ts +
           R"(","delete_timestamp":null,"pinned":false,"reactions":[]})";
  }

  crypto::DeterministicRandom rng_;
  Id alice_, bob_;
  Judge judge_;
  Clock::time_point now_ = Clock::now();
  std::uint64_t s_ = 0, t_ = 0;
};

TEST_F(JudgeTest, CorrectSessionsGiveNoFinding) {
  login(alice_, s_, 1);
  login(bob_, t_, 1);
  // alice fetches bob's bundle, creates a 1:1 DM (2 members: M = 2, tree of 2), sends a message.
  c(R"(20["get_user",{"username":"bob"}])");
  sv(R"(320[{"success":true,"result":{"username":"bob","public_key":")" + bob_.pub +
     R"(","spk":")" + bob_.spk + R"(","sig":")" + bob_.sig +
     R"(","status":"online","biography":"","profile_picture":""}}])");
  const std::string ek = make_id(rng_, "x").pub;
  const std::string n1 = make_id(rng_, "y").pub, n2 = make_id(rng_, "z").pub;
  c(R"(21["create_dm",{"usernames":["bob"],"messages":[{"spk":")" + bob_.spk + R"(","ek":")" + ek +
    R"("}],"key_tree":[")" + n1 + R"(",")" + n2 + R"("]}])");
  sv(R"(321[{"success":true,"result":1}])");
  sv(R"(2["x3dh_notification",{"sender":"alice","ik":")" + alice_.pub + R"(","spk":")" + bob_.spk +
         R"(","ek":")" + ek + R"(","key_tree":[")" + n1 + R"(",")" + n2 +
         R"("],"position":1,"id":1}])",
     t_);
  const std::string ct = random_hex(rng_, 40);
  const std::string sig = sign_hex(alice_, ct);
  c(R"(22["send_message",{"id":1,"message":")" + ct + R"(","signature":")" + sig +
    R"(","schedule":0,"delete":0}])");
  sv(R"(322[{"success":true,"result":true}])");
  const std::string m = message_json(5, 1, alice_, ct, sig, "2026-12-07T01:02:03.123456");
  sv(R"(2["message_notification",)" + m + "]");
  sv(R"(2["message_notification",)" + m + "]", t_);
  c(R"(23["get_message_history",{"id":1,"cursor":"2026-12-07T01:02:04.000Z","limit":10}])", t_);
  sv(R"(323[{"success":true,"result":[)" + m + "]}]", t_);
  judge_.finish(now_);
  EXPECT_TRUE(judge_.findings().empty()) << dump();
  EXPECT_EQ(judge_.stats().requests, 10u);
  EXPECT_GT(judge_.stats().signatures_verified, 0u);
  EXPECT_GT(judge_.stats().client_clauses.at("CR-SIG-002").checked, 0u);
  EXPECT_GT(judge_.stats().server_clauses.at("EV-TRN-005").checked, 0u);
}

TEST_F(JudgeTest, RequestBeforeLoginIsAClientFaultAndItsSuccessAServerFault) {
  c(R"(1["get_dms",{}])");
  EXPECT_EQ(count(Side::client, "EV-TRN-022"), 1u) << dump();
  sv(R"(31[{"success":true,"result":[]}])");
  EXPECT_EQ(count(Side::server, "EV-TRN-022"), 1u) << dump();
}

TEST_F(JudgeTest, UpperCaseHexAndExtraKeyAndBadPoint) {
  std::string upper = alice_.pub;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  c(R"(1["register",{"username":"carol","public_key":")" + upper + R"(","spk":")" + alice_.spk +
    R"(","sig":")" + alice_.sig + R"(","own_storage":"","extra":1}])");
  EXPECT_EQ(count(Side::client, "EV-TRN-017"), 1u) << dump();
  EXPECT_EQ(count(Side::client, "EV-TRN-011"), 1u) << dump();
  // The identity point (01 00…00) has small order: CR-KEY-004.
  const std::string small = "01" + std::string(62, '0');
  c(R"(2["register",{"username":"dave","public_key":")" + small + R"(","spk":")" + alice_.spk +
    R"(","sig":")" + alice_.sig + R"(","own_storage":""}])");
  EXPECT_EQ(count(Side::client, "CR-KEY-004"), 1u) << dump();
  // The server refusing both is right: no server finding.
  sv(R"(31[{"success":false,"result":"Invalid data format."}])");
  sv(R"(32[{"success":false,"result":"Malformed data."}])");
  EXPECT_EQ(count(Side::server, "EV-TRN-005"), 0u) << dump();
}

TEST_F(JudgeTest, SignatureByTheWrongKeyAndReusedIv) {
  login(alice_, s_, 1);
  c(R"(20["get_full_user",{}])");
  sv(R"(320[{"success":true,"result":{"username":"alice","public_key":")" + alice_.pub +
     R"(","spk":")" + alice_.spk + R"(","sig":")" + alice_.sig +
     R"(","status":"online","biography":"","profile_picture":"","own_storage":""}}])");
  const std::string ct = random_hex(rng_, 40);
  c(R"(21["send_message",{"id":3,"message":")" + ct + R"(","signature":")" + sign_hex(bob_, ct) +
    R"(","schedule":0,"delete":0}])");
  EXPECT_EQ(count(Side::client, "CR-SIG-002"), 1u) << dump();
  // Same IV (first 12 bytes), different body: CR-AEAD-003, both frames shown.
  const std::string ct2 = ct.substr(0, 24) + random_hex(rng_, 30);
  c(R"(22["send_message",{"id":3,"message":")" + ct2 + R"(","signature":")" +
    sign_hex(alice_, ct2) + R"(","schedule":0,"delete":0}])");
  ASSERT_EQ(count(Side::client, "CR-AEAD-003"), 1u) << dump();
  const auto& f = *std::find_if(judge_.findings().begin(), judge_.findings().end(),
                                [](const Finding& x) { return x.clause == "CR-AEAD-003"; });
  EXPECT_EQ(f.frames.size(), 2u);
  EXPECT_EQ(f.user, "alice");
  // The same ciphertext sent again (a retry) is no second encryption: no finding.
  c(R"(24["send_message",{"id":3,"message":")" + ct + R"(","signature":")" + sign_hex(alice_, ct) +
    R"(","schedule":0,"delete":0}])");
  EXPECT_EQ(count(Side::client, "CR-AEAD-003"), 1u) << dump();
  // The same IV in another DM is another key: no finding.
  c(R"(23["send_message",{"id":4,"message":")" + ct2 + R"(","signature":")" +
    sign_hex(alice_, ct2) + R"(","schedule":0,"delete":0}])");
  EXPECT_EQ(count(Side::client, "CR-AEAD-003"), 1u) << dump();
}

TEST_F(JudgeTest, SignatureIsCheckedWhenTheKeyAppearsLater) {
  // Logged in through an account created before observation: the key is not known yet.
  c(R"(1["login",{"username":"alice"}])");
  sv(R"(31[{"success":true,"result":")" + alice_.spk + R"("}])");
  c(R"(2["login_challenge_response",{"response":")" + alice_.spk + R"("}])");
  sv(R"(32[{"success":true,"result":true}])");
  const std::string ct = random_hex(rng_, 40);
  c(R"(3["send_message",{"id":3,"message":")" + ct + R"(","signature":")" + sign_hex(bob_, ct) +
    R"(","schedule":0,"delete":0}])");
  EXPECT_EQ(count(Side::client, "CR-SIG-002"), 0u);
  c(R"(4["get_user",{"username":"alice"}])");
  sv(R"(34[{"success":true,"result":{"username":"alice","public_key":")" + alice_.pub +
     R"(","spk":")" + alice_.spk + R"(","sig":")" + alice_.sig +
     R"(","status":"online","biography":"","profile_picture":""}}])");
  EXPECT_EQ(count(Side::client, "CR-SIG-002"), 1u) << dump();
}

TEST_F(JudgeTest, CreateDmTreeOfTheWrongLength) {
  login(alice_, s_, 1);
  const std::string ek = make_id(rng_, "x").pub;
  std::string tree;
  for (int i = 0; i < 3; ++i)
    tree += std::string(i ? "," : "") + "\"" + make_id(rng_, "n").pub + "\"";
  c(R"(20["create_dm",{"usernames":["bob"],"messages":[{"spk":")" + bob_.spk + R"(","ek":")" + ek +
    R"("}],"key_tree":[)" + tree + "]}]");
  EXPECT_EQ(count(Side::client, "CR-TREE-003"), 1u) << dump();
  // usernames and messages of different lengths.
  c(R"(21["create_dm",{"usernames":["bob","carol"],"messages":[{"spk":")" + bob_.spk +
    R"(","ek":")" + ek + R"("}],"key_tree":[)" + tree + "]}]");
  EXPECT_EQ(count(Side::client, "EV-DM-001"), 1u) << dump();
}

TEST_F(JudgeTest, UnknownEventMissingAckIdAndBadArguments) {
  c(R"(1["no_such_event",{}])");
  EXPECT_EQ(count(Side::client, "EV-TRN-021"), 1u);
  c(R"(["username_exists",{"username":"x"}])");
  EXPECT_EQ(count(Side::client, "EV-TRN-004"), 1u);
  c(R"(2["username_exists",{"username":"x"},7])");
  EXPECT_EQ(count(Side::client, "EV-TRN-004"), 2u);
  c(R"(3["username_exists","x"])");
  EXPECT_EQ(count(Side::client, "EV-TRN-008"), 1u) << dump();
  // A server acking the unknown event with success is wrong (EV-TRN-021).
  sv(R"(31[{"success":true,"result":true}])");
  EXPECT_EQ(count(Side::server, "EV-TRN-021"), 1u) << dump();
}

TEST_F(JudgeTest, ServerAckFaults) {
  c(R"(1["username_exists",{"username":"x"}])");
  sv(R"(31[{"success":true}])");  // no result key
  EXPECT_EQ(count(Side::server, "EV-TRN-005"), 1u);
  sv(R"(31[{"success":true,"result":false}])");  // a second ack for the same id
  EXPECT_EQ(count(Side::server, "EV-TRN-005"), 2u);
  c(R"(2["username_exists",{"username":"x"}])");
  sv(R"(32[{"success":false,"result":""}])");
  EXPECT_EQ(count(Side::server, "EV-TRN-006"), 1u);
  c(R"(3["username_exists",{"username":"x"}])");
  sv(R"(33[{"success":true,"result":"yes"}])");
  EXPECT_EQ(count(Side::server, "EV-AUTH-008"), 1u) << dump();
  // An unanswered request is reported when the session ends after the patience.
  c(R"(4["username_exists",{"username":"x"}])");
  judge_.on_close(s_, now_ + Judge::kAckPatience + std::chrono::seconds(1));
  EXPECT_EQ(count(Side::server, "EV-TRN-005"), 3u) << dump();
}

TEST_F(JudgeTest, ServerNotificationFaults) {
  // Before login: a notification is not allowed (EV-TRN-025).
  sv(R"(2["friend_request_notification",{"username":"bob"}])");
  EXPECT_EQ(count(Side::server, "EV-TRN-025"), 1u);
  login(alice_, s_, 1);
  sv(R"(2["profile_notification",{"username":"bob","public_key":")" + bob_.pub + R"(","spk":")" +
     bob_.spk + R"(","sig":")" + bob_.sig +
     R"(","status":"online","biography":"","profile_picture":"","own_storage":"ab"}])");
  EXPECT_EQ(count(Side::server, "EV-OBJ-005"), 1u) << dump();
  sv(R"(2["no_such_notification",{}])");
  EXPECT_EQ(count(Side::server, "EV-NTF-001"), 1u);
  // A message whose timestamp lacks the fraction (EV-OBJ-001), sent before the ack of the
  // request that caused it (EV-TRN-026, non-strict).
  const std::string ct = random_hex(rng_, 40);
  const std::string sig = sign_hex(alice_, ct);
  c(R"(20["send_message",{"id":1,"message":")" + ct + R"(","signature":")" + sig +
    R"(","schedule":0,"delete":0}])");
  sv(R"(2["message_notification",)" + message_json(1, 1, alice_, ct, sig, "2026-12-07T01:02:03") +
     "]");
  EXPECT_EQ(count(Side::server, "EV-OBJ-001"), 1u) << dump();
  ASSERT_EQ(count(Side::server, "EV-TRN-026"), 1u) << dump();
  const auto& f = *std::find_if(judge_.findings().begin(), judge_.findings().end(),
                                [](const Finding& x) { return x.clause == "EV-TRN-026"; });
  EXPECT_EQ(f.severity, Severity::non_strict);
  sv(R"(320[{"success":true,"result":true}])");
}

TEST_F(JudgeTest, X3dhNotificationMustCarryWhatCreateDmSent) {
  login(alice_, s_, 1);
  login(bob_, t_, 1);
  const std::string ek = make_id(rng_, "x").pub;
  const std::string n1 = make_id(rng_, "y").pub, n2 = make_id(rng_, "z").pub;
  c(R"(20["create_dm",{"usernames":["bob"],"messages":[{"spk":")" + bob_.spk + R"(","ek":")" + ek +
    R"("}],"key_tree":[")" + n1 + R"(",")" + n2 + R"("]}])");
  sv(R"(320[{"success":true,"result":7}])");
  // The tree's nodes swapped and the position wrong: EV-DM-011, twice.
  sv(R"(2["x3dh_notification",{"sender":"alice","ik":")" + alice_.pub + R"(","spk":")" + bob_.spk +
         R"(","ek":")" + ek + R"(","key_tree":[")" + n2 + R"(",")" + n1 +
         R"("],"position":2,"id":7}])",
     t_);
  EXPECT_EQ(count(Side::server, "EV-DM-011"), 2u) << dump();
  EXPECT_EQ(count(Side::client, "EV-DM-011"), 0u);
}

TEST_F(JudgeTest, MalformedPacketsAreChargedToTheSender) {
  judge_.on_malformed(s_, Direction::to_server, now_, "2[", "bad_json", "TR-SIO-003");
  judge_.on_malformed(s_, Direction::to_client, now_, "9", "unknown_type", "TR-SIO-003");
  EXPECT_EQ(count(Side::client, "TR-SIO-003"), 1u);
  EXPECT_EQ(count(Side::server, "TR-SIO-003"), 1u);
}

// CR-AEAD-003 as a property: among correctly signed messages of one sender in one DM, exactly
// the messages whose IV was already used for another ciphertext are reported, each once.
RC_GTEST_PROP(JudgeProperty, IvReuseIsReportedExactlyForRepeatedIvs, ()) {
  crypto::DeterministicRandom rng(*rc::gen::arbitrary<std::uint64_t>());
  const Id alice = make_id(rng, "alice");
  Judge judge;
  const auto now = Clock::now();
  const auto s = judge.open_session(now);
  auto feed = [&](Direction d, const std::string& text) {
    rapidjson::Document dom;
    auto p = sio::decode(text, {}, &dom);
    RC_ASSERT(p.has_value());
    sio::Incoming in{sio::Message{*p, {}}, std::move(dom)};
    judge.on_packet(s, d, now, in, text);
  };
  feed(Direction::to_server, R"(21["register",{"username":"alice","public_key":")" + alice.pub +
                                 R"(","spk":")" + alice.spk + R"(","sig":")" + alice.sig +
                                 R"(","own_storage":""}])");
  feed(Direction::to_client, R"(31[{"success":true,"result":true}])");
  feed(Direction::to_server, R"(22["login",{"username":"alice"}])");
  feed(Direction::to_client, R"(32[{"success":true,"result":")" + alice.spk + R"("}])");
  feed(Direction::to_server,
       R"(23["login_challenge_response",{"response":")" + alice.spk + R"("}])");
  feed(Direction::to_client, R"(33[{"success":true,"result":true}])");
  // IVs drawn from a small pool so that repeats happen.
  const auto picks = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 4));
  std::vector<std::string> pool;
  for (int i = 0; i < 4; ++i) pool.push_back(random_hex(rng, 12));
  std::set<std::string> used;
  std::size_t expected = 0;
  int id = 10;
  for (int k : picks) {
    const std::string ct = pool[static_cast<std::size_t>(k)] + random_hex(rng, 20);
    expected += used.count(pool[static_cast<std::size_t>(k)]);
    used.insert(pool[static_cast<std::size_t>(k)]);
    // Appends (GCC 12's false -Wrestrict on `"…" + std::string` at -O3).
    std::string frame = "2";
    frame.append(std::to_string(++id)).append(R"(["send_message",{"id":5,"message":")");
    frame.append(ct).append(R"(","signature":")").append(sign_hex(alice, ct));
    frame.append(R"(","schedule":0,"delete":0}])");
    feed(Direction::to_server, frame);
  }
  std::size_t reported = 0;
  for (const Finding& f : judge.findings()) {
    RC_ASSERT(f.clause == "CR-AEAD-003");
    ++reported;
  }
  RC_ASSERT(reported == expected);
}

}  // namespace
}  // namespace unm::conformance::observe
