#include "reference/client/rpc.h"

#include <rapidjson/error/en.h>

namespace unm::client {

Payload::Payload() : w_(buf_) {
  w_.StartObject();
}

Payload& Payload::str(const char* key, std::string_view value) {
  w_.Key(key);
  w_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  return *this;
}

Payload& Payload::num(const char* key, std::int64_t value) {
  w_.Key(key);
  w_.Int64(value);
  return *this;
}

Payload& Payload::boolean(const char* key, bool value) {
  w_.Key(key);
  w_.Bool(value);
  return *this;
}

Payload& Payload::null(const char* key) {
  w_.Key(key);
  w_.Null();
  return *this;
}

Payload& Payload::str_array(const char* key, const std::vector<std::string>& values) {
  w_.Key(key);
  w_.StartArray();
  for (const auto& v : values) w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w_.EndArray();
  return *this;
}

Payload& Payload::raw(const char* key, std::string_view json) {
  w_.Key(key);
  w_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  return *this;
}

std::string Payload::text() {
  w_.EndObject();
  return std::string(buf_.GetString(), buf_.GetSize());
}

std::string json_string(std::string_view s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buf.GetString(), buf.GetSize());
}

Expected<rapidjson::Document, std::string> parse_json(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                    text.size());
  if (doc.HasParseError()) {
    return Unexpected<std::string>{std::string("invalid JSON at offset ") +
                                   std::to_string(doc.GetErrorOffset()) + ": " +
                                   rapidjson::GetParseError_En(doc.GetParseError())};
  }
  return doc;
}

Error channel_error(const transport::ChannelFailure& f) {
  const ErrorCode code = f.code == transport::ChannelError::timeout        ? ErrorCode::timeout
                         : f.code == transport::ChannelError::bad_argument ? ErrorCode::local
                                                                           : ErrorCode::transport;
  std::string detail(transport::channel_error_name(f.code));
  if (!f.detail.empty()) detail += ": " + f.detail;
  return Error{code, std::move(detail)};
}

namespace {

std::string args_of(std::string_view payload_json) {
  std::string args;
  args.reserve(payload_json.size() + 2);
  args += '[';
  args += payload_json;
  args += ']';
  return args;
}

// interpret_ack turns the channel's outcome of `event` into the acknowledged "result" value
// (EV-TRN-005/006), or the error that explains why there is none.
Result<rapidjson::Document> interpret_ack(
    std::string_view event, const Expected<std::string, transport::ChannelFailure>& ack) {
  if (!ack) return Unexpected<Error>{channel_error(ack.error())};
  auto doc = parse_json(*ack);
  const std::string where = std::string(event) + ": ";
  if (!doc) return fail(ErrorCode::protocol, where + "ack is not JSON: " + doc.error());
  // EV-TRN-005: exactly one argument, the result object with exactly "success" and "result".
  if (!doc->IsArray() || doc->Size() != 1)
    return fail(ErrorCode::protocol, where + "ack does not carry exactly one argument");
  rapidjson::Value& obj = (*doc)[0];
  if (!obj.IsObject()) return fail(ErrorCode::protocol, where + "ack argument is not an object");
  auto s = obj.FindMember("success");
  auto r = obj.FindMember("result");
  if (s == obj.MemberEnd() || !s->value.IsBool() || r == obj.MemberEnd())
    return fail(ErrorCode::protocol, where + "ack lacks a boolean \"success\" or a \"result\"");
  if (!s->value.GetBool()) {
    // EV-TRN-006/009: a refusal's result is a reason text; we pass it on and never parse it.
    if (!r->value.IsString())
      return fail(ErrorCode::protocol, where + "refusal without a reason string");
    return fail(ErrorCode::refused, std::string(r->value.GetString(), r->value.GetStringLength()));
  }
  rapidjson::Document out;
  // Move the result value into its own document; its allocator copies what it needs.
  out.CopyFrom(r->value, out.GetAllocator());
  return out;
}

Result<void> must_be_true(std::string_view event, const Result<rapidjson::Document>& r) {
  if (!r) return Unexpected<Error>{r.error()};
  if (!r->IsBool() || !r->GetBool())
    return fail(ErrorCode::protocol, std::string(event) + ": result is not true");
  return {};
}

}  // namespace

Result<rapidjson::Document> Rpc::call(std::string_view event, std::string_view payload_json) const {
  return interpret_ack(event, channel_->call(event, args_of(payload_json), timeout_));
}

Result<void> Rpc::call_true(std::string_view event, std::string_view payload_json) const {
  return must_be_true(event, call(event, payload_json));
}

void Rpc::call_true_async(std::string_view event, std::string_view payload_json,
                          std::function<void(Result<void>)> done) const {
  channel_->call_async(event, args_of(payload_json), timeout_,
                       [name = std::string(event), done = std::move(done)](
                           Expected<std::string, transport::ChannelFailure> ack) {
                         done(must_be_true(name, interpret_ack(name, ack)));
                       });
}

}  // namespace unm::client
