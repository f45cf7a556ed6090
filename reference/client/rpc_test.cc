// rpc_test — the request/ack layer: payload shape on the wire (EV-TRN-004) and the typed errors
// for every kind of answer (EV-TRN-005/006): success, refusal, malformed ack, no ack, closed.
#include "reference/client/rpc.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "reference/client/fake_server.h"

namespace unm::client {
namespace {

using testing::FakeChannel;

FakeChannel answering(std::optional<std::string> ack) {
  return FakeChannel([ack](FakeChannel&, std::string_view, std::string_view) { return ack; });
}

TEST(Rpc, SendsOnePayloadObjectAndReturnsTheResult) {
  auto ch = answering(R"([{"success":true,"result":{"a":[1,2]}}])");
  Rpc rpc(ch, std::chrono::milliseconds(100));
  auto r = rpc.call("get_dm", Payload().num("id", 5).text());
  ASSERT_TRUE(r.has_value()) << describe(r.error());
  ASSERT_TRUE(r->IsObject());
  EXPECT_EQ((*r)["a"].Size(), 2u);
  ASSERT_EQ(ch.calls.size(), 1u);
  EXPECT_EQ(ch.calls[0].first, "get_dm");
  EXPECT_EQ(ch.calls[0].second, R"([{"id":5}])");
}

TEST(Rpc, RefusalCarriesTheReasonText) {
  auto ch = answering(R"([{"success":false,"result":"User does not exist."}])");
  auto r = Rpc(ch, std::chrono::milliseconds(100)).call("get_user", "{}");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::refused);
  EXPECT_EQ(r.error().detail, "User does not exist.");
}

TEST(Rpc, MalformedAcksAreProtocolErrors) {
  for (const char* bad :
       {R"([])", R"([1])", R"([{"success":true}])", R"([{"result":1}])",
        R"([{"success":"yes","result":1}])", R"([{"success":false,"result":1}])",
        R"([{"success":true,"result":1},2])", "not json", R"({"success":true})"}) {
    auto ch = answering(std::string(bad));
    auto r = Rpc(ch, std::chrono::milliseconds(100)).call("x", "{}");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::protocol) << bad;
  }
}

// call_true_async gives exactly what call_true gives, for every kind of answer.
TEST(Rpc, CallTrueAsyncAnswersLikeCallTrue) {
  for (const std::optional<std::string>& ack :
       {std::optional<std::string>(R"([{"success":true,"result":true}])"),
        std::optional<std::string>(R"([{"success":true,"result":1}])"),
        std::optional<std::string>(R"([{"success":false,"result":"No."}])"),
        std::optional<std::string>("not json"), std::optional<std::string>()}) {
    auto sync_ch = answering(ack);
    auto async_ch = answering(ack);
    const auto want = Rpc(sync_ch, std::chrono::milliseconds(10)).call_true("x", "{}");
    std::optional<Result<void>> got;
    Rpc(async_ch, std::chrono::milliseconds(10)).call_true_async("x", "{}", [&](Result<void> r) {
      got = std::move(r);
    });
    ASSERT_TRUE(got.has_value()) << ack.value_or("no ack");
    ASSERT_EQ(got->has_value(), want.has_value()) << ack.value_or("no ack");
    if (!want) {
      EXPECT_EQ(got->error().code, want.error().code) << ack.value_or("no ack");
      EXPECT_EQ(got->error().detail, want.error().detail) << ack.value_or("no ack");
    }
    EXPECT_EQ(async_ch.calls, sync_ch.calls);
  }
}

TEST(Rpc, NoAckIsATimeoutAndAClosedChannelIsATransportError) {
  auto silent = answering(std::nullopt);
  auto r = Rpc(silent, std::chrono::milliseconds(10)).call("x", "{}");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::timeout);

  auto closed = answering(R"([{"success":true,"result":true}])");
  closed.close();
  auto r2 = Rpc(closed, std::chrono::milliseconds(10)).call("x", "{}");
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code, ErrorCode::transport);
}

TEST(Rpc, CallTrueNeedsTrue) {
  auto t = answering(R"([{"success":true,"result":true}])");
  EXPECT_TRUE(Rpc(t, std::chrono::milliseconds(10)).call_true("x", "{}").has_value());
  auto f = answering(R"([{"success":true,"result":7}])");
  auto r = Rpc(f, std::chrono::milliseconds(10)).call_true("x", "{}");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::protocol);
}

TEST(Rpc, ErrorNamesAreStable) {
  EXPECT_EQ(error_code_name(ErrorCode::refused), "refused");
  EXPECT_EQ(error_code_name(ErrorCode::crypto), "crypto");
  EXPECT_EQ(describe(Error{ErrorCode::timeout, "5 s"}), "timeout: 5 s");
}

// Property: any string survives the payload builder's escaping (names and texts may hold
// quotes, backslashes, controls and non-ASCII).
RC_GTEST_PROP(RpcProperty, PayloadStringsRoundTrip, (const std::string& s)) {
  const std::string text = Payload().str("username", s).num("n", 3).text();
  auto d = parse_json(text);
  // Arbitrary bytes may not be UTF-8; the builder copies them and the strict parser may refuse.
  if (!d) return;
  RC_ASSERT(d->IsObject());
  RC_ASSERT(std::string((*d)["username"].GetString(), (*d)["username"].GetStringLength()) == s);
}

}  // namespace
}  // namespace unm::client
