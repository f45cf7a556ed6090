// dialect_test — the client's two dialects (dialect.h, events.md §12): each deployed row the
// client translates, against MiniServer speaking that dialect, with the warning naming the row;
// automatic detection against both dialects; and that no cryptographic check is relaxed.
#include "reference/client/dialect.h"

#include <sstream>

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include "reference/client/fake_server.h"
#include "reference/client/rpc.h"
#include "reference/client/session.h"
#include "reference/client/test_client.h"
#include "reference/crypto/crypto.h"

namespace unm::client {
namespace {

using testing::Client;
using testing::FakeChannel;
using testing::MiniServer;
using testing::Seen;
using namespace std::chrono_literals;

bool has_row(const WireDialect& d, int row) {
  for (const auto& w : d.warnings())
    if (w.row == row) return true;
  return false;
}

std::string rows(const WireDialect& d) {
  std::ostringstream out;
  for (const auto& w : d.warnings()) out << '#' << w.row << ' ' << w.text << '\n';
  return out.str();
}

// ---------------------------------------------------------------- pure translation

TEST(Dialect, ChoicesAndNames) {
  EXPECT_EQ(parse_dialect_choice("document"), DialectChoice::document);
  EXPECT_EQ(parse_dialect_choice("deployed"), DialectChoice::deployed);
  EXPECT_EQ(parse_dialect_choice("auto"), DialectChoice::automatic);
  EXPECT_FALSE(parse_dialect_choice("Deployed").has_value());
  EXPECT_EQ(dialect_name(Dialect::deployed), "deployed");
  EXPECT_EQ(clause_of_row(2), "EV-MSG-014");
  EXPECT_EQ(clause_of_row(99), "");
}

TEST(Dialect, DeployedCursorIsOneMicrosecondEarlierWithFractionAndZone) {
  // §12 #3: fraction and zone required; textual comparison made exclusive.
  EXPECT_EQ(deployed_cursor("2026-01-01T00:00:03.000000"), "2026-01-01T00:00:02.999999+00:00");
  EXPECT_EQ(deployed_cursor("2026-01-01T00:00:03"), "2026-01-01T00:00:02.999999+00:00");
  EXPECT_EQ(deployed_cursor("2026-01-01T02:00:00.5+02:00"), "2026-01-01T00:00:00.499999+00:00");
  EXPECT_EQ(deployed_cursor("2026-01-01T00:00:00Z"), "2025-12-31T23:59:59.999999+00:00");
  EXPECT_EQ(deployed_cursor("2026-01-01T00:00:00.123456Z"), "2026-01-01T00:00:00.123455+00:00");
  EXPECT_FALSE(deployed_cursor("yesterday").has_value());
}

TEST(Dialect, DocumentDialectSendsTheDocumentsPayloadsAndRewritesNothing) {
  WireDialect d(Dialect::document);
  EXPECT_EQ(d.unblock_event(), "unblock");
  EXPECT_EQ(*d.history_payload(3, "2023-07-22T01:58:59.123456", 20),
            R"({"id":3,"cursor":"2023-07-22T01:58:59.123456","count":20})");
  auto doc = parse_json(R"({"id":1,"users_in_call":{"a":"u"},"public_keys":"[]"})");
  d.read_dm(*doc, doc->GetAllocator(), "get_dm");
  EXPECT_TRUE((*doc)["users_in_call"].IsObject());  // still a protocol error for parse_dm
  EXPECT_TRUE(d.warnings().empty());
}

TEST(Dialect, DeployedDialectTranslatesAndWarnsOncePerRow) {
  WireDialect d(Dialect::deployed);
  EXPECT_EQ(d.unblock_event(), "unblock_user");
  EXPECT_EQ(d.unblock_event(), "unblock_user");
  EXPECT_EQ(*d.history_payload(3, "2023-07-22T01:58:59.123456", 20),
            R"({"id":3,"cursor":"2023-07-22T01:58:59.123455+00:00","limit":20})");
  auto doc = parse_json(
      R"({"id":1,"users":["a","b"],"name":null,"created_at":"t","users_in_call":{"b":"u1","a":"u2"},)"
      R"("public_keys":"[]","latest_message":{"id":4,"dm":1,"sender":"a"}})");
  d.read_dm(*doc, doc->GetAllocator(), "get_dm");
  ASSERT_TRUE((*doc)["users_in_call"].IsArray());
  EXPECT_EQ((*doc)["users_in_call"].Size(), 2u);
  EXPECT_FALSE(doc->HasMember("public_keys"));
  EXPECT_EQ((*doc)["latest_message"]["dm_id"].GetInt64(), 1);
  EXPECT_FALSE((*doc)["latest_message"].HasMember("dm"));
  ASSERT_EQ(d.warnings().size(), 5u) << rows(d);
  EXPECT_EQ(d.warnings()[0].row, 1);
  EXPECT_EQ(d.warnings()[0].clause, "EV-FRD-008");
  EXPECT_EQ(d.warnings()[0].count, 2);
  EXPECT_TRUE(has_row(d, 2) && has_row(d, 3) && has_row(d, 6));
  EXPECT_EQ(d.take_new().size(), 5u);  // rows 1, 2, 3, 6, 18
  EXPECT_TRUE(d.take_new().empty());
}

TEST(Dialect, ProbeOutcomeDecidesTheDialect) {
  auto list = [](const char* text) {
    rapidjson::Document doc;
    doc.Parse(text);
    return Result<rapidjson::Document>(std::move(doc));
  };
  // §12 #14: the deployed server's get_user_list entries carry an internal id.
  WireDialect d;
  EXPECT_EQ(*d.read_probe(list(R"([{"username":"a","id":1},{"username":"b","id":2}])")),
            Dialect::deployed);
  EXPECT_TRUE(has_row(d, 14));
  // EV-USR-004: User objects without id; the caller is always in the list.
  WireDialect e;
  EXPECT_EQ(*e.read_probe(list(R"([{"username":"a","public_key":"00"}])")), Dialect::document);
  EXPECT_TRUE(e.warnings().empty());
  for (ErrorCode code : {ErrorCode::refused, ErrorCode::timeout}) {
    WireDialect f;
    auto t = f.read_probe(fail(code, "no"));
    ASSERT_FALSE(t.has_value());
    EXPECT_EQ(t.error().code, code);
  }
}

// ---------------------------------------------------------------- sessions on a deployed fake

class DeployedSessionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init().has_value()); }

  Client connect(DialectChoice choice = DialectChoice::automatic) {
    Client c;
    SessionOptions o;
    o.dialect = choice;
    c.session = std::make_unique<Session>(server.connect(&c.wire), rng, o);
    c.session->set_handlers(c.seen->handlers());
    return c;
  }
  Client user(const std::string& name, DialectChoice choice = DialectChoice::automatic) {
    Client c = connect(choice);
    auto id = c->register_account(name);
    EXPECT_TRUE(id.has_value()) << describe(id.error());
    c.id = std::move(*id);
    auto r = c->login(c.id);
    EXPECT_TRUE(r.has_value()) << describe(r.error());
    return c;
  }
  // dm_with_bob: alice creates a DM with bob (online); bob joins it.
  std::int64_t dm_of(Client& a, Client& b, const std::string& other) {
    auto dm = a->create_dm({other});
    EXPECT_TRUE(dm.has_value()) << describe(dm.error());
    b.pump();
    return dm.value_or(0);
  }

  crypto::DeterministicRandom rng{91};
  MiniServer server{rng, Dialect::deployed, 100ms};
};

TEST_F(DeployedSessionTest, AutoDetectsTheDeployedDialectWithOneValidProbeAtLogin) {
  Client a = connect();
  // Before login nothing is sent to detect the dialect: the document's reading, unsettled.
  ASSERT_TRUE(a->detect_dialect().has_value());
  EXPECT_FALSE(a->dialect_settled());
  EXPECT_TRUE(a.wire->calls.empty());
  auto id = a->register_account("alice");
  ASSERT_TRUE(id.has_value()) << describe(id.error());
  ASSERT_TRUE(a->login(*id).has_value());
  EXPECT_TRUE(a->dialect_settled());
  EXPECT_EQ(a->dialect().dialect(), Dialect::deployed);
  EXPECT_TRUE(has_row(a->dialect(), 14));
  // Exactly one probe, well-formed (EV-USR-004: `{}`), right after the login challenge.
  std::size_t probes = 0, at = 0;
  for (std::size_t i = 0; i < a.wire->calls.size(); ++i) {
    if (a.wire->calls[i].first == "get_user_list") {
      ++probes;
      at = i;
      EXPECT_EQ(a.wire->calls[i].second, "[{}]");
    }
    EXPECT_NE(a.wire->calls[i].first, "username_exists");
  }
  EXPECT_EQ(probes, 1u);
  ASSERT_GT(at, 0u);
  EXPECT_EQ(a.wire->calls[at - 1].first, "login_challenge_response");
  const std::size_t sent = a.wire->calls.size();
  ASSERT_TRUE(a->detect_dialect().has_value());  // settled: no second probe
  EXPECT_EQ(a.wire->calls.size(), sent);
}

TEST(DialectDetection, AutoDetectsTheDocumentDialectWithoutWarnings) {
  ASSERT_TRUE(crypto::init().has_value());
  crypto::DeterministicRandom rng{3};
  MiniServer server{rng};
  Session s(server.connect(), rng);
  auto id = s.register_account("alice");
  ASSERT_TRUE(id.has_value()) << describe(id.error());
  ASSERT_TRUE(s.login(*id).has_value());
  EXPECT_TRUE(s.dialect_settled());
  auto d = s.detect_dialect();
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, Dialect::document);
  EXPECT_TRUE(s.dialect().warnings().empty());
}

TEST(DialectDetection, ForcedDialectSendsNoProbe) {
  ASSERT_TRUE(crypto::init().has_value());
  crypto::DeterministicRandom rng{3};
  MiniServer server{rng, Dialect::deployed};
  FakeChannel* wire = nullptr;
  SessionOptions o;
  o.dialect = DialectChoice::deployed;
  Session s(server.connect(&wire), rng, o);
  EXPECT_EQ(*s.detect_dialect(), Dialect::deployed);
  EXPECT_TRUE(wire->calls.empty());
  EXPECT_TRUE(s.dialect().warnings().empty());
}

TEST_F(DeployedSessionTest, Row1UnblockIsSentAsUnblockUser) {
  Client a = user("alice");
  Client b = user("bob");
  ASSERT_TRUE(a->block_user("bob").has_value());
  auto r = a->unblock("bob");
  ASSERT_TRUE(r.has_value()) << describe(r.error());
  EXPECT_EQ(a.wire->calls.back().first, "unblock_user");
  EXPECT_TRUE(a->get_blocked()->empty());
  EXPECT_TRUE(has_row(a->dialect(), 1)) << rows(a->dialect());
  // The document's event gets no ack there at all (§12 #24): why the dialect matters.
  Client c = user("carol", DialectChoice::document);
  ASSERT_TRUE(c->block_user("bob").has_value());
  auto doc = c->unblock("bob");
  ASSERT_FALSE(doc.has_value());
  EXPECT_EQ(doc.error().code, ErrorCode::timeout);
}

TEST_F(DeployedSessionTest, Rows2And3HistoryUsesLimitAndAnExclusiveCursor) {
  Client a = user("alice");
  Client b = user("bob");
  const std::int64_t dm = dm_of(a, b, "bob");
  for (int i = 1; i <= 5; ++i) {
    std::string text = "m";
    text += std::to_string(i);
    ASSERT_TRUE(a->send_message(dm, text));
  }
  auto page1 = b->get_message_history(dm, "", 2);
  ASSERT_TRUE(page1.has_value()) << describe(page1.error());
  ASSERT_EQ(page1->size(), 2u);
  EXPECT_EQ((*page1)[0].text, "m5");
  EXPECT_EQ((*page1)[1].text, "m4");
  const std::string& sent = b.wire->calls.back().second;
  EXPECT_NE(sent.find("\"limit\":2"), std::string::npos) << sent;
  EXPECT_EQ(sent.find("\"count\""), std::string::npos) << sent;
  // Page 2 from the oldest message's own timestamp (the naive form the deployed server refuses,
  // and half of them without fraction, #26): exclusive, nothing repeated, nothing skipped.
  std::vector<std::string> texts;
  std::string cursor = (*page1)[1].raw.timestamp;
  for (;;) {
    auto page = b->get_message_history(dm, cursor, 2);
    ASSERT_TRUE(page.has_value()) << describe(page.error());
    if (page->empty()) break;
    for (const auto& m : *page) texts.push_back(m.text);
    cursor = page->back().raw.timestamp;
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"m3", "m2", "m1"}));
  EXPECT_TRUE(has_row(b->dialect(), 2) && has_row(b->dialect(), 3)) << rows(b->dialect());
  // The document's payload is refused there.
  Client c = user("carol", DialectChoice::document);
  auto refused = c->get_message_history(dm, "", 2);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::refused);
}

TEST_F(DeployedSessionTest, Rows6And18DmObjectsAreReadAndTheDocumentDialectRefusesThem) {
  Client a = user("alice");
  Client b = user("bob");
  const std::int64_t dm = dm_of(a, b, "bob");
  ASSERT_TRUE(a->send_message(dm, "latest"));
  ASSERT_TRUE(a->join_call(dm, "uuid-a").has_value());
  auto d = b->get_dm(dm);
  ASSERT_TRUE(d.has_value()) << describe(d.error());
  EXPECT_EQ(d->dm.users_in_call, (std::vector<std::string>{"alice"}));
  ASSERT_TRUE(d->latest_message.has_value());
  EXPECT_EQ(d->latest_message->status, ContentStatus::ok);
  EXPECT_EQ(d->latest_message->text, "latest");
  EXPECT_EQ(d->latest_message->raw.dm_id, dm);
  EXPECT_TRUE(has_row(b->dialect(), 6) && has_row(b->dialect(), 18)) << rows(b->dialect());
  SessionOptions o;
  o.dialect = DialectChoice::document;
  Session strict(server.connect(), rng, o);
  ASSERT_TRUE(strict.login(b.id).has_value());
  auto e = strict.get_dm(dm);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, ErrorCode::protocol);
}

TEST_F(DeployedSessionTest, Row4ReactionsArriveAsChangesOnly) {
  Client a = user("alice");
  Client b = user("bob");
  const std::int64_t dm = dm_of(a, b, "bob");
  ASSERT_TRUE(a->send_message(dm, "react to me"));
  b.pump();
  ASSERT_EQ(b.seen->messages.size(), 1u);
  const std::int64_t mid = b.seen->messages[0].raw.id;
  ASSERT_TRUE(b->add_reaction(mid, "👍").has_value());
  EXPECT_TRUE(b->reaction_notice_pending());
  b.pump();
  EXPECT_FALSE(b->reaction_notice_pending());
  ASSERT_EQ(b.seen->messages.size(), 1u);  // no message_notification
  ASSERT_FALSE(b.seen->changes.empty());
  ASSERT_EQ(b.seen->changes.back().reactions.size(), 1u);
  EXPECT_EQ(b.seen->changes.back().reactions[0].text, "👍");
  EXPECT_TRUE(has_row(b->dialect(), 4)) << rows(b->dialect());
}

TEST_F(DeployedSessionTest, Row7CallJoinsAndLeavesAreReadFromDmNotifications) {
  Client a = user("alice");
  Client b = user("bob");
  const std::int64_t dm = dm_of(a, b, "bob");
  ASSERT_TRUE(b->get_dm(dm).has_value());  // bob knows the call is empty
  ASSERT_TRUE(a->join_call(dm, "uuid-a").has_value());
  b.pump();
  ASSERT_EQ(b.seen->call_joined.size(), 1u);
  EXPECT_EQ(b.seen->call_joined[0].username, "alice");
  EXPECT_EQ(b.seen->call_joined[0].id, dm);
  ASSERT_TRUE(a->leave_call(dm).has_value());
  b.pump();
  ASSERT_EQ(b.seen->call_left.size(), 1u);
  EXPECT_EQ(b.seen->call_left[0].username, "alice");
  EXPECT_TRUE(has_row(b->dialect(), 7)) << rows(b->dialect());
}

TEST_F(DeployedSessionTest, Row10PendingInvitationsAreAwaitedAfterLogin) {
  Client a = user("alice");
  Client b = connect();
  auto bid = b->register_account("bob");
  ASSERT_TRUE(bid.has_value());
  auto dm = a->create_dm({"bob"});  // bob is offline: pending
  ASSERT_TRUE(dm.has_value());
  ASSERT_TRUE(b->login(*bid).has_value());
  EXPECT_EQ(b->keys().dm_key(*dm), nullptr);  // not yet: the server waits before sending
  auto left = b->await_invitations(5s);
  ASSERT_TRUE(left.has_value()) << describe(left.error());
  EXPECT_TRUE(left->empty());
  EXPECT_NE(b->keys().dm_key(*dm), nullptr);
  ASSERT_EQ(b.seen->joined.size(), 1u);
  EXPECT_FALSE(b.seen->joined[0].error.has_value());
  EXPECT_TRUE(has_row(b->dialect(), 10)) << rows(b->dialect());
}

TEST_F(DeployedSessionTest, Row10AnInvitationLostWithAnEarlyCloseIsReported) {
  Client a = user("alice");
  Client b = connect();
  auto bid = b->register_account("bob");
  ASSERT_TRUE(bid.has_value());
  auto dm = a->create_dm({"bob"});
  ASSERT_TRUE(dm.has_value());
  {
    Session early(server.connect(), rng);
    ASSERT_TRUE(early.login(*bid).has_value());
  }  // closed before the delay: the deployed server loses the invitation
  ASSERT_TRUE(b->login(*bid).has_value());
  auto left = b->await_invitations(300ms);
  ASSERT_TRUE(left.has_value());
  EXPECT_EQ(*left, (std::vector<std::int64_t>{*dm}));
  ASSERT_TRUE(has_row(b->dialect(), 10));
  for (const auto& w : b->dialect().warnings()) {
    if (w.row == 10) {
      EXPECT_NE(w.text.find("none came"), std::string::npos) << w.text;
    }
  }
}

TEST_F(DeployedSessionTest, Rows13And14ExtraUserFieldsAreDropped) {
  Client a = user("alice");
  Client b = user("bob");  // alice receives bob's full record at his login
  a.pump();
  ASSERT_FALSE(a.seen->profiles.empty());
  EXPECT_FALSE(a.seen->profiles.back().own_storage.has_value());
  EXPECT_TRUE(has_row(a->dialect(), 13)) << rows(a->dialect());
  auto list = a->get_user_list();
  ASSERT_TRUE(list.has_value()) << describe(list.error());
  EXPECT_EQ(list->size(), 2u);
  EXPECT_TRUE(has_row(a->dialect(), 14));
}

TEST_F(DeployedSessionTest, Row21TheLastLeaveIsAcknowledgedAsAnErrorButApplied) {
  Client a = user("alice");
  Client b = user("bob");
  const std::int64_t dm = dm_of(a, b, "bob");
  ASSERT_TRUE(a->leave_dm(dm).has_value());
  EXPECT_FALSE(has_row(a->dialect(), 21));
  auto r = b->leave_dm(dm);
  ASSERT_TRUE(r.has_value()) << describe(r.error());
  EXPECT_TRUE(has_row(b->dialect(), 21)) << rows(b->dialect());
  auto again = b->leave_dm(dm);  // a real refusal stays one
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::refused);
}

TEST_F(DeployedSessionTest, NoCryptographicCheckIsRelaxed) {
  Client a = user("alice");
  Client b = user("bob");
  const std::int64_t dm = dm_of(a, b, "bob");
  server.tamper = [](const std::string&, const std::string& name, std::string& payload) {
    if (name != "message_notification") return true;
    auto pos = payload.find("\"signature\":\"") + 13;
    payload[pos] = payload[pos] == 'a' ? 'b' : 'a';
    return true;
  };
  ASSERT_TRUE(a->send_message(dm, "secret"));
  b.pump();
  ASSERT_EQ(b.seen->messages.size(), 1u);
  EXPECT_EQ(b.seen->messages[0].status, ContentStatus::bad_signature);
  EXPECT_TRUE(b.seen->messages[0].text.empty());
}

}  // namespace
}  // namespace unm::client
