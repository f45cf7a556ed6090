// rpc.h — one request/acknowledgement exchange of the chat protocol over an EventChannel.
//
// Rpc sends `["event", payload]` with an ack id (EV-TRN-004) and checks the acknowledgement's
// shape (EV-TRN-005/006): exactly one argument, an object with a boolean "success" and a
// "result". A refusal becomes ErrorCode::refused carrying the server's reason text; anything
// else that is not a result object is ErrorCode::protocol.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "reference/client/error.h"
#include "reference/transport/event_channel.h"

namespace unm::client {

// Payload builds one compact JSON object, key by key, with correct string escaping.
class Payload {
 public:
  Payload();
  Payload& str(const char* key, std::string_view value);
  Payload& num(const char* key, std::int64_t value);
  Payload& boolean(const char* key, bool value);
  Payload& null(const char* key);
  Payload& str_array(const char* key, const std::vector<std::string>& values);
  // raw inserts `json` (already valid JSON text) as the value of `key`.
  Payload& raw(const char* key, std::string_view json);
  // text closes the object and returns it; the Payload must not be used afterwards.
  std::string text();

 private:
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

// json_string renders `s` as a JSON string literal.
std::string json_string(std::string_view s);

// parse_json parses untrusted JSON text without recursion (deep nesting cannot exhaust the
// stack); returns the parse error text on failure.
Expected<rapidjson::Document, std::string> parse_json(std::string_view text);

// channel_error maps a transport failure to the client's error space.
Error channel_error(const transport::ChannelFailure& f);

// Rpc sends requests on a channel it does not own.
class Rpc {
 public:
  Rpc(transport::EventChannel& channel, std::chrono::milliseconds timeout)
      : channel_(&channel), timeout_(timeout) {}

  // call sends `event` with the single payload object `payload_json` and returns a document
  // whose root is the acknowledged "result" value when "success" is true.
  Result<rapidjson::Document> call(std::string_view event, std::string_view payload_json) const;

  // call_true is call() for events whose result must be `true` (setters, EV-TRN-006).
  Result<void> call_true(std::string_view event, std::string_view payload_json) const;

  // call_true_async is call_true without waiting (EventChannel::call_async): `done` gets the
  // same outcome call_true would return, once, on the channel's I/O thread.
  void call_true_async(std::string_view event, std::string_view payload_json,
                       std::function<void(Result<void>)> done) const;

  std::chrono::milliseconds timeout() const { return timeout_; }
  transport::EventChannel& channel() const { return *channel_; }

 private:
  transport::EventChannel* channel_;
  std::chrono::milliseconds timeout_;
};

}  // namespace unm::client
