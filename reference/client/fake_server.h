// fake_server.h — test doubles for the client library: FakeChannel (an in-process
// EventChannel) and MiniServer, a small in-memory server that plays the server's role for the
// events the client's crypto duties touch (events.md: register, login, users, create_dm with
// X3DH delivery and pending objects, messages, reactions). Not a reference server: it checks
// only what these tests need, so unit tests run without sockets or the real server.
//
// With Dialect::deployed it speaks like the deployed implementation for the events.md §12 rows
// the client translates (#1 unblock_user, #2 limit, #3 textual cursor with fraction and zone,
// #4 reactions by message_change_notification only, #6 users_in_call object, #7 no call
// notices, #10 pending X3DH sent after a delay and lost with the connection, #13 full
// profile_notification, #14 get_user_list with id, #18 public_keys and latest_message.dm,
// #21 last leave acknowledged as an error, #24 no ack for unknown events, #26 timestamps
// without a zero fraction, #30 a numeric username accepted).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "reference/client/dialect.h"
#include "reference/crypto/random.h"
#include "reference/transport/event_channel.h"

namespace unm::client::testing {

class FakeChannel;

// Responder answers one call: the ack's argument array text, or nullopt for "no ack" (timeout).
using Responder = std::function<std::optional<std::string>(FakeChannel&, std::string_view event,
                                                           std::string_view args)>;

// FakeChannel is an EventChannel whose calls go to a Responder on the caller's thread.
class FakeChannel final : public transport::EventChannel {
 public:
  explicit FakeChannel(Responder responder) : responder_(std::move(responder)) {}
  ~FakeChannel() override { close(); }

  Expected<std::string, transport::ChannelFailure> call(std::string_view event,
                                                        std::string_view args_json_array,
                                                        std::chrono::milliseconds timeout) override;
  Expected<void, transport::ChannelFailure> emit(std::string_view event,
                                                 std::string_view args_json_array) override;
  Expected<void, transport::ChannelFailure> send_raw(std::string_view) override;
  void set_event_handler(transport::EventHandler handler) override;
  void set_disconnect_handler(transport::DisconnectHandler handler) override;
  void set_frame_observer(transport::FrameObserver) override {}
  bool connected() const override { return open_; }
  std::string transport_name() const override { return "fake"; }
  void close() override;

  // deliver sends the server event `name` with one payload (JSON text) to the client.
  void deliver(const std::string& name, const std::string& payload_json);
  // drop simulates the server closing the connection.
  void drop();

  // calls records (event, args) of every call and emit, in order.
  std::vector<std::pair<std::string, std::string>> calls;
  // state the MiniServer keeps per connection.
  std::string user;
  std::string expected_response;
  std::string pending_user;
  std::uint64_t serial = 0;  // which connection this is (pointers may be reused)
  // on_close tells the owning MiniServer that this connection is gone.
  std::function<void(FakeChannel*)> on_close;

 private:
  Responder responder_;
  transport::EventHandler handler_;
  transport::DisconnectHandler on_disconnect_;
  std::deque<std::pair<std::string, std::string>> queued_;
  bool open_ = true;
};

// MiniServer — see file comment.
class MiniServer {
 public:
  // `pending_delay` is how long after login pending X3DH objects are sent in the deployed
  // dialect (the real one: 5 s); the document dialect sends them at once (grace period 0).
  explicit MiniServer(crypto::Random& rng, Dialect dialect = Dialect::document,
                      std::chrono::milliseconds pending_delay = std::chrono::milliseconds{300});
  ~MiniServer();

  // connect returns a new connection to this server; `out` (optional) receives a raw pointer the
  // test may keep to inject notifications while the Session owns the channel.
  std::unique_ptr<transport::EventChannel> connect(FakeChannel** out = nullptr);

  // tamper, when set, may rewrite each notification payload before delivery to `user`, or
  // return false to drop it.
  std::function<bool(const std::string& user, const std::string& name, std::string& payload)>
      tamper;
  // tamper_ack, when set, may rewrite the ack text of each call before the client sees it.
  std::function<void(std::string_view event, std::string& ack)> tamper_ack;

  // raw_message stores a message object as given (for tests of what a hostile server could
  // send) and returns its id.
  std::int64_t raw_message(std::int64_t dm_id, const std::string& sender,
                           const std::string& ciphertext, const std::string& signature);

  // pending_count is the number of X3DH objects waiting for `user`'s next login.
  std::size_t pending_count(const std::string& user) const;

  // sealed_storage is `user`'s own_storage as stored; set_sealed_storage replaces it (as another
  // client of the account would).
  std::string sealed_storage(const std::string& user) const;
  void set_sealed_storage(const std::string& user, const std::string& sealed);

 private:
  struct Impl;
  std::optional<std::string> handle(FakeChannel& conn, std::string_view event,
                                    std::string_view args);
  std::unique_ptr<Impl> impl_;
};

}  // namespace unm::client::testing
