// event_args_fuzzer.cc — argument parsing and validation of every client→server event
// (events.md §1.3–1.5 and each event's clause), through the reference server's dispatch.
//
// Input: a selector byte, then the JSON text of the argument array. The selector picks the event
// (its low bits: one of Table 1's events, the alias `unblock_user`, or an unknown name), the
// connection (bit 7: the logged-in alice, else a fresh, not logged-in connection) and whether it
// came as a BINARY_EVENT (bit 6). Before the request the server holds a realistic state so that
// validation is followed into the handlers: alice and bob registered and friends, a DM between
// them (id 1) with one message (id 1), carol registered and not a friend.
//
// Oracles (ServerRig): one well-formed ack, never success for a malformed shape, an unknown
// event or a missing login; afterwards the server is alive — a well-formed probe
// (`username_exists` for alice) answers success with `true`.
//
// A structure-aware mutator (fuzz/support/json_mutator.h) mutates the JSON payload's values
// instead of its bytes.
#include <string>

#include "fuzz/support/fuzz_support.h"
#include "fuzz/support/json_mutator.h"
#include "fuzz/support/server_rig.h"
#include "reference/crypto/keys.h"
#include "reference/protocol/events.h"

namespace protocol = unm::protocol;
using unm::fuzz::ServerRig;

namespace {

// kEventCount is the number of events of Table 1 (protocol::Event's last value is join_call's
// neighbour leave_call).
constexpr int kEventCount = static_cast<int>(protocol::Event::leave_call) + 1;

std::string event_for(std::uint8_t selector) {
  const int k = (selector & 0x3f) % (kEventCount + 2);
  if (k < kEventCount) return std::string(protocol::event_name(static_cast<protocol::Event>(k)));
  if (k == kEventCount) return "unblock_user";  // EV-TRN-013 alias
  return "no_such_event";                       // EV-TRN-021
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || !unm::crypto::init()) return 0;
  const std::uint8_t selector = data[0];
  const std::string_view args(reinterpret_cast<const char*>(data) + 1, size - 1);

  ServerRig rig(0x5eed);
  const auto alice = rig.make_user("alice");
  const auto bob = rig.make_user("bob");
  const auto carol = rig.make_user("carol");
  const auto setup = rig.connect();
  UNM_FUZZ_CHECK(rig.register_user(setup, alice).success);
  UNM_FUZZ_CHECK(rig.register_user(setup, bob).success);
  UNM_FUZZ_CHECK(rig.register_user(setup, carol).success);
  rig.disconnect(setup);
  const auto ca = rig.connect();
  const auto cb = rig.connect();
  UNM_FUZZ_CHECK(rig.login(ca, alice));
  UNM_FUZZ_CHECK(rig.login(cb, bob));
  UNM_FUZZ_CHECK(rig.call1(ca, "send_friend_request", R"({"username":"bob"})").success);
  UNM_FUZZ_CHECK(
      rig.call1(cb, "ack_friend_request", R"({"username":"alice","accept":true})").success);
  const std::string msgs =
      R"([{"spk":")" + bob.spk_pub + R"(","ek":")" + rig.random_key() + R"("}])";
  const std::string tree = R"([")" + rig.random_key() + R"(",")" + rig.random_key() + R"("])";
  UNM_FUZZ_CHECK(
      rig.call1(ca, "create_dm",
                R"({"usernames":["bob"],"messages":)" + msgs + R"(,"key_tree":)" + tree + "}")
          .success);
  UNM_FUZZ_CHECK(rig.call1(ca, "send_message",
                           R"({"id":1,"message":"00ff","signature":")" + rig.sign(alice, "00ff") +
                               R"(","schedule":0,"delete":0})")
                     .success);

  const auto conn = (selector & 0x80) != 0 ? ca : rig.connect();
  rig.call(conn, event_for(selector), args, (selector & 0x40) != 0);

  // The server is alive and still answers a well-formed probe correctly.
  const auto probe = rig.connect();
  const auto a = rig.call1(probe, "username_exists", R"({"username":"alice"})");
  UNM_FUZZ_CHECK(a.success && a.json.find("true", a.json.find("result")) != std::string::npos);
  return 0;
}

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned seed) {
  return unm::fuzz::custom_mutate_json(data, size, max_size, seed, 1, &LLVMFuzzerMutate);
}
