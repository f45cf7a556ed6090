#include "reference/server/faults.h"

#include <array>

namespace unm::server {

namespace {

using F = Fault;

// One row per fault, in enum order (checked by faults_test); every clause differs.
constexpr std::array<FaultInfo, kFaultCount> kCatalogue{{
    {F::ack_extra_key, "ack-extra-key", "EV-TRN-005",
     "failure acks carry a third key \"error\" beside success and result"},
    {F::no_ack_ignored, "no-ack-ignored", "EV-TRN-007",
     "a request sent without an ack id is dropped instead of processed"},
    {F::binary_event_accepted, "binary-event-accepted", "EV-TRN-008",
     "a BINARY_EVENT is handled like an EVENT (attachments ignored)"},
    {F::user_list_without_login, "user-list-without-login", "EV-TRN-022",
     "get_user_list skips the login check and answers before login"},
    {F::notify_unauthenticated, "notify-unauthenticated", "EV-TRN-025",
     "broadcast notifications also reach connections that are not logged in"},
    {F::register_while_logged_in, "register-while-logged-in", "EV-AUTH-002",
     "register on a logged-in connection is accepted"},
    {F::register_sig_unchecked, "register-sig-unchecked", "EV-AUTH-004",
     "register stores the SPK without verifying its signature"},
    {F::register_name_ignores_case, "register-name-ignores-case", "EV-AUTH-005",
     "register refuses a name that differs from an existing one only in case"},
    {F::register_spk_point_unchecked, "register-spk-point-unchecked", "CR-KEY-004",
     "register checks the SPK's hex form but not that it is a valid point"},
    {F::register_broadcasts_profile, "register-broadcasts-profile", "EV-NTF-002",
     "register announces the new user with a profile_notification to everyone"},
    {F::username_coerced, "username-coerced", "EV-TRN-018",
     "username_exists accepts a non-string username and answers false"},
    {F::login_unknown_user_challenged, "login-unknown-user-challenged", "EV-AUTH-009",
     "login for an unknown user answers a decoy challenge instead of failing"},
    {F::relogin_keeps_old_challenge, "relogin-keeps-old-challenge", "EV-AUTH-010",
     "a second login answers a new challenge but the first one's response still logs in"},
    {F::format_error_drops_challenge, "format-error-drops-challenge", "EV-AUTH-011",
     "a malformed login_challenge_response discards the pending challenge"},
    {F::wrong_response_keeps_challenge, "wrong-response-keeps-challenge", "EV-AUTH-012",
     "a wrong challenge response keeps the challenge, so it can be retried"},
    {F::challenge_repeated, "challenge-repeated", "CR-CHAL-001",
     "a repeated login for the same user answers the same challenge again"},
    {F::challenge_ignores_case, "challenge-ignores-case", "CR-CHAL-003",
     "the challenge response is compared ignoring letter case"},
    {F::get_user_unknown_null, "get-user-unknown-null", "EV-USR-001",
     "get_user of an unknown user succeeds with null"},
    {F::user_list_excludes_caller, "user-list-excludes-caller", "EV-USR-004",
     "get_user_list leaves the caller out"},
    {F::profile_skips_own_connections, "profile-skips-own-connections", "EV-USR-010",
     "set_user's profile_notification skips all of the caller's connections, not only the "
     "requesting one"},
    {F::profile_leaks_own_storage, "profile-leaks-own-storage", "EV-OBJ-005",
     "set_user's profile_notification carries own_storage"},
    {F::create_dm_skips_unknown_users, "create-dm-skips-unknown-users", "EV-DM-002",
     "create_dm drops unknown usernames silently instead of failing"},
    {F::x3dh_position_from_zero, "x3dh-position-from-zero", "EV-DM-009",
     "X3DH positions count from 0 (usernames[i] gets i, not i+1)"},
    {F::x3dh_first_ek_for_all, "x3dh-first-ek-for-all", "EV-DM-011",
     "every target's X3DH object carries messages[0].ek (index bug)"},
    {F::x3dh_prose_keys, "x3dh-prose-keys", "EV-OBJ-016",
     "the X3DH object uses the prose names pub and dm_id instead of ik and id"},
    {F::pending_x3dh_newest_first, "pending-x3dh-newest-first", "EV-DM-013",
     "pending X3DH objects are delivered newest first"},
    {F::pending_x3dh_only_latest, "pending-x3dh-only-latest", "EV-DM-014",
     "of several pending X3DH objects only the newest is delivered at login; the others are "
     "dropped"},
    {F::create_dm_notifies, "create-dm-notifies", "EV-DM-010",
     "create_dm sends a dm_notification to the members"},
    {F::get_dm_no_access_check, "get-dm-no-access-check", "EV-DM-018",
     "get_dm answers for a DM the caller is not a member of"},
    {F::get_dm_shows_all_scheduled, "get-dm-shows-all-scheduled", "EV-DM-019",
     "get_dm's scheduled_messages lists every member's pending messages"},
    {F::set_dm_exact_keys, "set-dm-exact-keys", "EV-TRN-012",
     "set_dm fails on unrecognised keys instead of ignoring them"},
    {F::leave_dm_notifies_leaver, "leave-dm-notifies-leaver", "EV-DM-027",
     "leave_dm's dm_notification also goes to the leaver"},
    {F::message_signature_unchecked, "message-signature-unchecked", "EV-MSG-004",
     "send_message stores a message whose signature does not verify"},
    {F::message_skips_sender_connection, "message-skips-sender-connection", "EV-MSG-005",
     "message_notification of a new message skips the sender's requesting connection"},
    {F::fanout_first_eight, "fanout-first-eight", "EV-MSG-027",
     "message_notification of a new message reaches only the first 8 members of the DM",
     FaultFinder::explore},
    {F::scheduled_also_sent_at_once, "scheduled-also-sent-at-once", "EV-MSG-006",
     "a scheduled message is also created and notified at once"},
    {F::soon_notice_at_sixty, "soon-notice-at-sixty", "EV-MSG-008",
     "the soon notice is sent for schedule >= 60 instead of > 60 (off by one)"},
    {F::self_destruct_in_milliseconds, "self-destruct-in-milliseconds", "EV-MSG-011",
     "delete is read as milliseconds: messages self-destruct almost at once"},
    {F::send_fires_with_soon_notice, "send-fires-with-soon-notice", "EV-MSG-012",
     "the soon-notice timer also sends the message, 60 s early"},
    {F::schedule_notice_id_key, "schedule-notice-id-key", "EV-OBJ-017",
     "schedule notices name the DM \"id\" instead of \"dm_id\""},
    {F::get_message_no_access_check, "get-message-no-access-check", "EV-MSG-013",
     "get_message answers for a message of a DM the caller is not in"},
    {F::history_no_access_check, "history-no-access-check", "EV-MSG-014",
     "get_message_history answers for a DM the caller is not in"},
    {F::history_uncapped, "history-uncapped", "EV-MSG-016",
     "get_message_history returns min(count, all) messages, ignoring the cap of 100",
     FaultFinder::explore},
    {F::pinned_capped_at_ten, "pinned-capped-at-ten", "EV-MSG-018",
     "get_pinned returns only the 10 newest pinned messages", FaultFinder::explore},
    {F::any_member_edits, "any-member-edits", "EV-MSG-021",
     "set_message lets any member edit another member's message"},
    {F::cancel_ignores_owner, "cancel-ignores-owner", "EV-MSG-025",
     "cancel_scheduled_message cancels another member's scheduled message"},
    {F::cancel_keeps_timer, "cancel-keeps-timer", "EV-MSG-026",
     "cancel_scheduled_message answers true but the message is still sent"},
    {F::reaction_signature_unchecked, "reaction-signature-unchecked", "EV-RCT-002",
     "add_reaction stores a reaction whose signature does not verify"},
    {F::reaction_returns_message_id, "reaction-returns-message-id", "EV-RCT-003",
     "add_reaction answers the message id instead of the new reaction id"},
    {F::accept_keeps_request, "accept-keeps-request", "EV-FRD-001",
     "accepting a request stores the friendship on one side only; the request stays"},
    {F::friend_request_notifies_sender, "friend-request-notifies-sender", "EV-FRD-003",
     "friend_request_notification goes to the requester instead of the target"},
    {F::outgoing_lists_incoming, "outgoing-lists-incoming", "EV-FRD-004",
     "get_outgoing_requests lists the incoming requests (direction swapped)"},
    {F::block_notifies_unfriend, "block-notifies-unfriend", "EV-FRD-007",
     "blocking a friend sends unfriend_notification to both"},
    {F::unblock_keeps_block, "unblock-keeps-block", "EV-FRD-008",
     "unblock answers true but deletes the relation in the wrong direction"},
    {F::join_call_no_access_check, "join-call-no-access-check", "EV-CALL-001",
     "join_call lets a non-member join a DM's call"},
    {F::join_result_without_caller, "join-result-without-caller", "EV-CALL-002",
     "join_call's result maps only the users already in the call, not the caller"},
    {F::leave_call_when_absent, "leave-call-when-absent", "EV-CALL-004",
     "leave_call succeeds for a caller who is not in the call"},
    {F::leave_dm_keeps_call, "leave-dm-keeps-call", "EV-CALL-009",
     "leave_dm leaves the user in the DM's call"},
}};

}  // namespace

std::string_view finder_name(FaultFinder f) {
  return f == FaultFinder::explore ? "explore" : "suite";
}

std::span<const FaultInfo> fault_catalogue() {
  return kCatalogue;
}

std::optional<Fault> fault_by_name(std::string_view name) {
  for (const auto& f : kCatalogue) {
    if (f.name == name) return f.fault;
  }
  return std::nullopt;
}

std::vector<std::string_view> Faults::names() const {
  std::vector<std::string_view> out;
  for (const auto& f : kCatalogue) {
    if (has(f.fault)) out.push_back(f.name);
  }
  return out;
}

Expected<Faults, std::string> parse_faults(std::span<const std::string> values) {
  Faults faults;
  for (const auto& value : values) {
    std::string_view rest = value;
    for (;;) {
      const auto comma = rest.find(',');
      const std::string_view name = rest.substr(0, comma);
      const auto f = fault_by_name(name);
      if (!f)
        return Unexpected{"unknown fault \"" + std::string(name) + "\" (see --inject-fault list)"};
      faults.enable(*f);
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  return faults;
}

}  // namespace unm::server
