#include "reference/server/test_support.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "reference/common/hex.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/sign.h"

namespace unm::server::testing {

using protocol::json_string;

Harness::Harness(std::string db_path, ServerOptions opts) {
  EXPECT_TRUE(crypto::init());
  auto s = SqliteStore::open(db_path.empty() ? ":memory:" : db_path, Synchronous::normal);
  if (!s) {
    ADD_FAILURE() << s.error();
    return;
  }
  store = std::move(*s);
  server = std::make_unique<ChatServer>(*store, clock, out, rng, opts);
}

ConnId Harness::connect() {
  const ConnId c = next_conn_++;
  server->on_connect(c);
  return c;
}

Result Harness::call_args(ConnId c, std::string_view event, std::string_view args_json,
                          bool binary) {
  rapidjson::Document args;
  args.Parse(args_json.data(), args_json.size());
  EXPECT_FALSE(args.HasParseError()) << args_json;
  const std::size_t before = out.log.size();
  server->on_event(c, event, args, next_ack_++, binary);
  Result r;
  for (std::size_t i = before; i < out.log.size(); ++i) {
    if (out.log[i].is_ack && out.log[i].conn == c) {
      r.raw = out.log[i].json;
      rapidjson::Document d;
      d.Parse(r.raw.c_str());
      EXPECT_TRUE(d.IsObject() && d.MemberCount() == 2 && d.HasMember("success") &&
                  d["success"].IsBool() && d.HasMember("result"))
          << r.raw;  // EV-TRN-005
      r.success = d["success"].GetBool();
      r.result.CopyFrom(d["result"], r.result.GetAllocator());
      if (!r.success) {
        EXPECT_TRUE(r.result.IsString() && r.result.GetStringLength() > 0) << r.raw;  // EV-TRN-006
      }
      // EV-TRN-026: the ack comes before any notification on the requesting connection.
      for (std::size_t j = before; j < i; ++j) EXPECT_NE(out.log[j].conn, c) << "note before ack";
      return r;
    }
  }
  ADD_FAILURE() << "no ack for " << event;
  return r;
}

Result Harness::call(ConnId c, std::string_view event, std::string_view payload_json) {
  // Appended: GCC 12 at -O3 warns falsely (-Wrestrict) about `"text" + std::string`.
  return call_args(c, event, std::string("[").append(payload_json).append("]"));
}

TestUser Harness::make_user(std::string name) {
  TestUser u;
  u.name = std::move(name);
  u.ik = crypto::generate_private_key(rng);
  u.spk = crypto::generate_private_key(rng);
  u.pub = to_hex(crypto::public_key(u.ik));
  const auto spk_pub = crypto::public_key(u.spk);
  u.spk_pub = to_hex(spk_pub);
  u.sig = to_hex(crypto::sign(u.ik, spk_pub));
  return u;
}

void Harness::register_user(const TestUser& u) {
  const ConnId c = connect();
  const auto r =
      call(c, "register",
           R"({"username":)" + json_string(u.name) + R"(,"public_key":")" + u.pub + R"(","spk":")" +
               u.spk_pub + R"(","sig":")" + u.sig + R"(","own_storage":""})");
  EXPECT_TRUE(r.success) << r.raw;
  disconnect(c);
}

ConnId Harness::login(const TestUser& u) {
  const ConnId c = connect();
  const auto r = call(c, "login", R"({"username":)" + json_string(u.name) + "}");
  EXPECT_TRUE(r.success) << r.raw;
  if (!r.success) return c;
  crypto::PublicKey ch{};
  EXPECT_TRUE(from_hex_into(r.result.GetString(), ch));
  auto resp = crypto::challenge_response(u.ik, ch);
  EXPECT_TRUE(resp);
  const auto r2 = call(c, "login_challenge_response", R"({"response":")" + to_hex(*resp) + R"("})");
  EXPECT_TRUE(r2.success) << r2.raw;
  return c;
}

ConnId Harness::signed_up(TestUser& out_user, std::string name) {
  out_user = make_user(std::move(name));
  register_user(out_user);
  return login(out_user);
}

std::string Harness::sign(const TestUser& u, std::string_view hex) {
  auto bytes = from_hex(hex);
  EXPECT_TRUE(bytes);
  return to_hex(crypto::sign(u.ik, *bytes));
}

std::string Harness::random_key() {
  return to_hex(crypto::public_key(crypto::generate_private_key(rng)));
}

void Harness::befriend(ConnId ca, const TestUser& a, ConnId cb, const TestUser& b) {
  EXPECT_TRUE(
      call(ca, "send_friend_request", R"({"username":)" + json_string(b.name) + "}").success);
  EXPECT_TRUE(
      call(cb, "ack_friend_request", R"({"username":)" + json_string(a.name) + R"(,"accept":true})")
          .success);
}

std::int64_t Harness::create_dm(ConnId c, const std::vector<const TestUser*>& targets) {
  std::string names = "[";
  std::string msgs = "[";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (i != 0) {
      names += ",";
      msgs += ",";
    }
    names += json_string(targets[i]->name);
    msgs += R"({"spk":")" + targets[i]->spk_pub + R"(","ek":")" + random_key() + R"("})";
  }
  names += "]";
  msgs += "]";
  const std::string tree = R"([")" + random_key() + R"(",")" + random_key() + R"("])";
  const auto r =
      call(c, "create_dm",
           R"({"usernames":)" + names + R"(,"messages":)" + msgs + R"(,"key_tree":)" + tree + "}");
  EXPECT_TRUE(r.success) << r.raw;
  return r.success && r.result.IsInt64() ? r.result.GetInt64() : 0;
}

Result Harness::send(ConnId c, const TestUser& u, std::int64_t dm, std::string_view hex,
                     std::int64_t schedule, std::int64_t del) {
  return call(c, "send_message",
              R"({"id":)" + std::to_string(dm) + R"(,"message":")" + std::string(hex) +
                  R"(","signature":")" + sign(u, hex) + R"(","schedule":)" +
                  std::to_string(schedule) + R"(,"delete":)" + std::to_string(del) + "}");
}

std::vector<Sent> Harness::drain(ConnId c) {
  std::vector<Sent> mine;
  std::vector<Sent> rest;
  for (auto& s : out.log) {
    if (s.conn == c && !s.is_ack) {
      mine.push_back(std::move(s));
    } else if (s.conn != c) {
      rest.push_back(std::move(s));
    }
  }
  out.log = std::move(rest);
  return mine;
}

std::vector<std::string> Harness::names(const std::vector<Sent>& v) {
  std::vector<std::string> n;
  for (const auto& s : v) n.push_back(s.name);
  return n;
}

void expect_fail(const Result& res, protocol::Reason r, std::string_view text) {
  EXPECT_FALSE(res.success) << res.raw;
  if (res.success || !res.result.IsString()) return;
  const std::string got = res.result.GetString();
  // R-RELATION and R-STATE have clause-specific texts: without one given, any text will do.
  if (text.empty() && (r == protocol::Reason::relation || r == protocol::Reason::state)) return;
  const std::string want = text.empty() ? std::string(protocol::reason_text(r)) : std::string(text);
  EXPECT_EQ(got.substr(0, want.size()), want) << "expected " << protocol::reason_name(r);
}

std::string expect_ok(const Result& res) {
  EXPECT_TRUE(res.success) << res.raw;
  return json_text(res.result);
}

std::string json_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return b.GetString();
}

rapidjson::Document parse(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

}  // namespace unm::server::testing
