// user_handlers.cc — get_user, get_full_user, get_user_list, set_user (events.md §3).
#include "reference/protocol/limits.h"
#include "reference/protocol/validate.h"
#include "reference/server/chat_server.h"

namespace unm::server {

using protocol::fail;
using protocol::Reason;

ChatServer::Reply ChatServer::handle_get_user(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {"username"})) return Unexpected{fail(Reason::format)};
  auto name = protocol::as_any_string(req.payload["username"]);
  if (!name) return Unexpected{name.error()};
  auto u = store_.user_by_name(*name);
  if (!u && fault(Fault::get_user_unknown_null)) return std::string("null");
  if (!u) return Unexpected{fail(Reason::nouser)};   // EV-USR-001
  return user_json(*u, reported_status(*u), false);  // EV-USR-002, EV-AUTH-020
}

ChatServer::Reply ChatServer::handle_get_full_user(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {})) return Unexpected{fail(Reason::format)};
  auto u = store_.user_by_id(req.session.user);
  if (!u) return Unexpected{fail(Reason::internal)};
  return user_json(*u, u->status, true);  // EV-USR-003: stored status, with own_storage
}

ChatServer::Reply ChatServer::handle_get_user_list(Request& req) {
  if (!protocol::has_exact_keys(req.payload, {})) return Unexpected{fail(Reason::format)};
  const auto users = store_.all_users();
  return protocol::to_json([&](protocol::JsonWriter& w) {
    w.StartArray();
    for (const auto& u : users) {
      if (u.id == req.session.user && fault(Fault::user_list_excludes_caller)) continue;
      protocol::write_user(w, u, reported_status(u), false);
    }
    w.EndArray();
  });
}

ChatServer::Reply ChatServer::handle_set_user(Request& req) {
  const auto& p = req.payload;
  const auto* spk_v = protocol::find_member(p, "spk");
  const auto* sig_v = protocol::find_member(p, "sig");
  const auto* status_v = protocol::find_member(p, "status");
  const auto* bio_v = protocol::find_member(p, "biography");
  const auto* pic_v = protocol::find_member(p, "profile_picture");
  const auto* store_v = protocol::find_member(p, "own_storage");
  // EV-USR-006: other keys are ignored, but one recognised key must be present.
  if (!spk_v && !sig_v && !status_v && !bio_v && !pic_v && !store_v) {
    return Unexpected{fail(Reason::format)};
  }
  // EV-USR-007: spk and sig only together.
  if ((spk_v == nullptr) != (sig_v == nullptr)) return Unexpected{fail(Reason::format)};
  auto u = store_.user_by_id(req.session.user);
  if (!u) return Unexpected{fail(Reason::internal)};
  // EV-USR-009: validate everything, then apply together. EV-USR-008: null is never accepted
  // (every checker below refuses a non-string).
  if (status_v) {
    auto status = protocol::as_any_string(*status_v);
    if (!status) return Unexpected{status.error()};
    if (*status != "online" && *status != "away" && *status != "dnd" && *status != "offline") {
      return Unexpected{fail(Reason::format)};
    }
    u->status = std::move(*status);
  }
  if (bio_v) {
    auto bio = protocol::as_string(*bio_v, 0, protocol::limits::kBiographyMax);
    if (!bio) return Unexpected{bio.error()};
    u->biography = std::move(*bio);
  }
  if (pic_v) {
    auto pic = protocol::as_string(*pic_v, 0, protocol::limits::kProfilePictureMax);
    if (!pic) return Unexpected{pic.error()};
    u->profile_picture = std::move(*pic);
  }
  if (store_v) {
    auto own = protocol::as_string(*store_v, 0, protocol::limits::kOwnStorageMax);
    if (!own) return Unexpected{own.error()};
    u->own_storage = std::move(*own);
  }
  if (spk_v) {
    // Type errors first (R-FORMAT), then the point and signature checks (R-MALFORMED).
    if (!spk_v->IsString() || !sig_v->IsString()) return Unexpected{fail(Reason::format)};
    auto spk = protocol::as_key(*spk_v);
    if (!spk) return Unexpected{spk.error()};
    auto sig = protocol::as_signature_text(*sig_v);
    if (!sig) return Unexpected{sig.error()};
    if (auto ok = protocol::verify_signature(u->public_key, *spk, *sig); !ok) {
      return Unexpected{ok.error()};
    }
    u->spk = std::move(*spk);
    u->sig = std::move(*sig);
  }
  store_.update_user(*u);
  // EV-USR-010: everyone but the requesting connection; status = stored status.
  const bool with_own_storage = fault(Fault::profile_leaks_own_storage);  // EV-OBJ-005 bug
  if (fault(Fault::profile_skips_own_connections)) {
    std::vector<UserId> others;  // bug: the caller's other connections are left out
    for (const auto& [user, conns] : online_) {
      if (user != u->id) others.push_back(user);
    }
    notify(std::move(others), protocol::notification::kProfile,
           user_json(*u, u->status, with_own_storage));
  } else {
    notify_everyone(protocol::notification::kProfile, user_json(*u, u->status, with_own_storage),
                    req.conn);
  }
  return std::string("true");
}

}  // namespace unm::server
