// step_sends.cc — sends and acks: `send` (envelope EV-TRN-005/006, expect, or_args/or_event,
// if_acked, ack_first EV-TRN-026) and `raw` packets. Part of the engine (case_runner.h).
#include "conformance/src/case_runner.h"

#include <thread>

#include "conformance/src/closest.h"
#include "conformance/src/matcher.h"

namespace unm::conformance::detail {

// call sends `event` with `payload_array` and validates the ack's envelope (EV-TRN-005/006).
// On success `ack` holds the result object {"success", "result"}.
StepResult CaseRunner::call(ActorRt& a, const std::string& event, const std::string& payload_array,
                            milliseconds timeout, JsonDoc& ack) {
  if (!a.ch) return harness("actor " + a.name + " is not connected");
  auto r = a.ch->call(event, payload_array, timeout);
  if (!r) {
    const auto& e = r.error();
    if (e.code == tr::ChannelError::timeout) {
      return failed("no ack for " + event + " within " + std::to_string(timeout.count()) +
                    " ms (EV-TRN-005: the server must answer every request with an ack id)");
    }
    if (e.code == tr::ChannelError::disconnected) {
      return failed("connection closed while waiting for the ack of " + event + ": " + e.detail);
    }
    if (e.code == tr::ChannelError::bad_argument) {
      return harness("scenario args are not a JSON array: " + e.detail);
    }
    return harness(std::string(channel_error_text(e.code)) + ": " + e.detail);
  }
  auto doc = parse_json(*r);
  if (!doc || !doc->IsArray()) return failed("ack is not a JSON array: " + *r);
  if (doc->Size() != 1) {
    return failed("ack must carry exactly one argument (EV-TRN-005), got " + *r);
  }
  ack.CopyFrom((*doc)[0], ack.GetAllocator());
  const JsonValue* success = json_member(ack, "success");
  const JsonValue* result = json_member(ack, "result");
  if (!ack.IsObject() || success == nullptr || result == nullptr || ack.MemberCount() != 2 ||
      !success->IsBool()) {
    return failed(
        "result object must be exactly {\"success\": bool, \"result\": …} "
        "(EV-TRN-005), got " +
        to_json(ack));
  }
  if (!success->GetBool() && (!result->IsString() || result->GetStringLength() == 0)) {
    return failed("a failure's result must be a non-empty string (EV-TRN-006), got " +
                  to_json(ack));
  }
  observations_.push_back(a.name + " " + event +
                          " -> success=" + (success->GetBool() ? "true" : "false"));
  return {};
}

// check_expect matches the result object `ack` against an `expect` spec (see scenario.h).
StepResult CaseRunner::check_expect(const JsonValue* expect_tmpl, const JsonDoc& ack,
                                    const char* dflt) {
  bool success = ack["success"].GetBool();
  JsonDoc dflt_doc;
  dflt_doc.SetString(rapidjson::StringRef(dflt));
  auto e = subst(expect_tmpl != nullptr ? *expect_tmpl : static_cast<const JsonValue&>(dflt_doc));
  if (!e) return Unexpected{e.error()};
  const JsonValue& ex = *e;
  auto wrong_outcome = [&](bool want_success) -> StepResult {
    StepFailure f;
    f.reason =
        std::string("expected ") + (want_success ? "success" : "failure") + ", got " + to_json(ack);
    f.accepted_invalid = !want_success && success;
    return Unexpected{std::move(f)};
  };
  if (ex.IsString()) {
    std::string s = sv_str(ex);
    if (s == "ok" && !success) return wrong_outcome(true);
    if (s == "fail" && success) return wrong_outcome(false);
    return {};
  }
  if (ex.IsObject() && ex.MemberCount() == 1) {
    if (const JsonValue* okm = json_member(ex, "ok")) {
      if (!success) return wrong_outcome(true);
      return apply_match(*okm, ack["result"]);
    }
    if (const JsonValue* f = json_member(ex, "fail")) {
      if (success) {
        StepResult r = wrong_outcome(false);
        StepFailure err = r.error();
        err.reason = "expected failure (" + sv_str(*f) + "), got " + to_json(ack);
        return Unexpected{std::move(err)};
      }
      return {};
    }
  }
  bool want_success = json_bool_or(ex, "success", !success);
  if (json_member(ex, "success") != nullptr && json_member(ex, "success")->IsBool() &&
      want_success != success) {
    return wrong_outcome(want_success);
  }
  return apply_match(ex, ack);
}

StepResult CaseRunner::step_send(const Step& st) {
  ActorRt& a = actor(st.actor);
  std::string payload;
  if (const JsonValue* raw = json_member(*st.body, "args_json")) {
    auto s = interpolate(sv_str(*raw), vars_);
    if (!s) return harness("scenario: " + s.error());
    payload = *s;
  } else {
    JsonDoc empty;
    empty.SetObject();
    const JsonValue* args = json_member(*st.body, "args");
    auto d = subst(args != nullptr ? *args : static_cast<const JsonValue&>(empty));
    if (!d) return Unexpected{d.error()};
    payload = args_array(to_json(*d));
  }
  if (json_bool_or(*st.body, "no_ack", false)) {
    if (!a.ch) return harness("actor " + a.name + " is not connected");
    auto r = a.ch->emit(st.name, payload);
    if (!r) return failed("emit failed: " + r.error().detail);
    observations_.push_back(a.name + " " + st.name + " (no ack)");
    return {};
  }
  JsonDoc ack;
  std::size_t mark = transcript_size();
  auto attempt = [&](const std::string& event, const std::string& args) -> StepResult {
    if (auto r = call(a, event, args, step_ms(st, "timeout_ms", 5000), ack); !r) return r;
    return check_expect(json_member(*st.body, "expect"), ack);
  };
  StepResult r = attempt(st.name, payload);
  if (!r && r.error().verdict == RawVerdict::failed) {
    // or_args / or_event: the same request in a documented alternative form (`limit` for
    // `count`, EV-MSG-014; the alias `unblock_user` for `unblock`, EV-FRD-008), tried when the
    // first form is refused or unanswered, so that a deviation in the form (demonstrated by its
    // own case) does not hide what this step checks. The step is judged on the second answer.
    const JsonValue* alt = json_member(*st.body, "or_args");
    std::string alt_event = json_string_or(*st.body, "or_event", "");
    bool refused_or_silent = !ack.IsObject() || json_member(ack, "success") == nullptr ||
                             !ack["success"].IsBool() || !ack["success"].GetBool();
    if ((alt != nullptr || !alt_event.empty()) && refused_or_silent) {
      std::string alt_payload = payload;
      if (alt != nullptr) {
        auto d = subst(*alt);
        if (!d) return Unexpected{d.error()};
        alt_payload = args_array(to_json(*d));
      }
      transcript_->add(a.name, '#',
                       "first form failed (" + one_line(r.error().reason, 120) +
                           "); trying the alternative form");
      ack.SetObject();
      r = attempt(alt_event.empty() ? st.name : alt_event, alt_payload);
    }
  }
  if (!r) {
    // if_acked (sweeps): a missing ack is the subject of its own case (EV-TRN-005, EV-TRN-021,
    // events.md §12 #1/#24), not of this one; this step judges only what the ack says.
    if (json_bool_or(*st.body, "if_acked", false) && r.error().verdict == RawVerdict::failed &&
        r.error().reason.rfind("no ack", 0) == 0) {
      transcript_->add(a.name, '#', "no ack for " + st.name + ": not this case's subject");
      observations_.push_back(a.name + " " + st.name + " (no ack, ignored)");
      return {};
    }
    return r;
  }
  if (const JsonValue* af = json_member(*st.body, "ack_first"); af != nullptr && af->IsArray()) {
    std::set<std::string> names;
    for (const auto& n : af->GetArray()) {
      if (n.IsString()) names.insert(sv_str(n));
    }
    if (auto order = check_ack_first(a.name, mark, names); !order) return order;
  }
  return apply_captures(st, ack);
}

std::size_t CaseRunner::transcript_size() {
  std::lock_guard<std::mutex> lock(transcript_->m);
  return transcript_->frames.size();
}

// check_ack_first looks at the frames the actor received since `mark`: no EVENT (a
// notification, "42…") may come before the ACK ("43…") — EV-TRN-026, a SHOULD and Open, so
// failures are reported as decided.
// Only the notifications named in `names` count: others (e.g. profile_notification of
// unrelated users) may legitimately interleave.
StepResult CaseRunner::check_ack_first(const std::string& actor_name, std::size_t mark,
                                       const std::set<std::string>& names) {
  std::lock_guard<std::mutex> lock(transcript_->m);
  for (std::size_t i = mark; i < transcript_->frames.size(); ++i) {
    const Frame& f = transcript_->frames[i];
    if (f.actor != actor_name || f.dir != '<') continue;
    if (f.text.rfind("43", 0) == 0) return {};
    bool named = false;
    for (const std::string& n : names) named = named || f.text.rfind("42[\"" + n + "\"", 0) == 0;
    if (named) {
      return failed("notification " + f.text.substr(0, 80) + " arrived before the ack (EV-TRN-026)",
                    true);
    }
  }
  return {};
}

StepResult CaseRunner::step_raw(const Step& st) {
  ActorRt& a = actor(st.actor);
  if (!a.ch) return harness("actor " + a.name + " is not connected");
  auto text = interpolate(st.name, vars_);
  if (!text) return harness("scenario: " + text.error());
  auto r = a.ch->send_raw(*text);
  if (!r) return failed("send_raw failed: " + r.error().detail);
  std::this_thread::sleep_for(step_ms(st, "window_ms", 300));
  if (const JsonValue* ec = json_member(*st.body, "expect_connected"); ec && ec->IsBool()) {
    bool up = a.ch->connected();
    observations_.push_back(a.name + " raw -> connected=" + (up ? "true" : "false"));
    if (up != ec->GetBool()) {
      return failed(std::string("expected the connection to be ") +
                    (ec->GetBool() ? "open" : "closed") + " after the raw packet");
    }
  }
  return {};
}

StepResult CaseRunner::send_payload(const Step& st, ActorRt& a, const std::string& event,
                                    JsonDoc& payload, const char* dflt_expect, JsonDoc& ack) {
  if (auto r = call(a, event, args_array(to_json(payload)), step_ms(st, "timeout_ms", 5000), ack);
      !r) {
    return r;
  }
  JsonDoc d;
  if (auto pd = parse_json(dflt_expect)) d = std::move(*pd);
  return check_expect(json_member(*st.body, "expect") ? json_member(*st.body, "expect") : &d, ack);
}

}  // namespace unm::conformance::detail
