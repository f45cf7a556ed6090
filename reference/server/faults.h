// faults.h — fault injection for the conformance harness's self-test (docs/conformance.md,
// "Fault injection (self-test)"). Each Fault is one realistic implementation bug against one
// clause of events.md / crypto.md; the server's handlers consult a Faults set (passed in through
// ServerOptions, never global) at the exact point of the bug. The set is empty unless the
// executable was built with UNM_TEST_FAULTS and started with UNM_ALLOW_FAULTS=1 and
// --inject-fault (docs/server.md); without UNM_TEST_FAULTS, has() is constant false and every
// hook compiles away.
#pragma once

#include <bitset>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/expected.h"

namespace unm::server {

#ifdef UNM_TEST_FAULTS
inline constexpr bool kFaultInjectionBuilt = true;
#else
inline constexpr bool kFaultInjectionBuilt = false;
#endif

// Fault — one injectable bug; the catalogue (fault_catalogue) names and describes each.
enum class Fault : std::size_t {
  // Framing (chat_server.cc)
  ack_extra_key,
  no_ack_ignored,
  binary_event_accepted,
  user_list_without_login,
  notify_unauthenticated,
  // Session and registration (auth_handlers.cc)
  register_while_logged_in,
  register_sig_unchecked,
  register_name_ignores_case,
  register_spk_point_unchecked,
  register_broadcasts_profile,
  username_coerced,
  login_unknown_user_challenged,
  relogin_keeps_old_challenge,
  format_error_drops_challenge,
  wrong_response_keeps_challenge,
  challenge_repeated,
  challenge_ignores_case,
  // Users (user_handlers.cc)
  get_user_unknown_null,
  user_list_excludes_caller,
  profile_skips_own_connections,
  profile_leaks_own_storage,
  // DMs (dm_handlers.cc, timers.cc)
  create_dm_skips_unknown_users,
  x3dh_position_from_zero,
  x3dh_first_ek_for_all,
  x3dh_prose_keys,
  pending_x3dh_newest_first,
  pending_x3dh_only_latest,
  create_dm_notifies,
  get_dm_no_access_check,
  get_dm_shows_all_scheduled,
  set_dm_exact_keys,
  leave_dm_notifies_leaver,
  // Messages (message_handlers.cc, timers.cc)
  message_signature_unchecked,
  message_skips_sender_connection,
  fanout_first_eight,
  scheduled_also_sent_at_once,
  soon_notice_at_sixty,
  self_destruct_in_milliseconds,
  send_fires_with_soon_notice,
  schedule_notice_id_key,
  get_message_no_access_check,
  history_no_access_check,
  history_uncapped,
  pinned_capped_at_ten,
  any_member_edits,
  cancel_ignores_owner,
  cancel_keeps_timer,
  // Reactions (message_handlers.cc)
  reaction_signature_unchecked,
  reaction_returns_message_id,
  // Friends and blocking (friend_handlers.cc)
  accept_keeps_request,
  friend_request_notifies_sender,
  outgoing_lists_incoming,
  block_notifies_unfriend,
  unblock_keeps_block,
  // Calls (call_handlers.cc, dm_handlers.cc)
  join_call_no_access_check,
  join_result_without_caller,
  leave_call_when_absent,
  leave_dm_keeps_call,
  count_  // number of faults; not a fault
};

inline constexpr std::size_t kFaultCount = static_cast<std::size_t>(Fault::count_);

// FaultFinder says which tool is meant to detect a fault: the default conformance suite
// (`unmanageable-conformance run`, CTest conformance_fault_detection_*), or only `explore`
// (`unmanageable-conformance explore`), because the bug shows only in states the hand-written
// cases never reach (more than 100 messages, more than 10 pins, more than 8 members).
enum class FaultFinder { suite, explore };

// FaultInfo is one catalogue row: the name of --inject-fault, the clause the bug violates, what
// it breaks, in one line, and which tool is meant to detect it.
struct FaultInfo {
  Fault fault;
  std::string_view name;
  std::string_view clause;
  std::string_view breaks;
  FaultFinder finder = FaultFinder::suite;
};

// finder_name is the word `--inject-fault list` prints for a finder: "suite" or "explore".
std::string_view finder_name(FaultFinder f);

// fault_catalogue lists every fault once, in enum order.
std::span<const FaultInfo> fault_catalogue();
// fault_by_name finds a fault by its catalogue name.
std::optional<Fault> fault_by_name(std::string_view name);

// Faults — the set of injected faults (empty by default: the correct server).
class Faults {
 public:
  void enable(Fault f) { bits_.set(static_cast<std::size_t>(f)); }
  // has is the hook's question; constant false unless built with UNM_TEST_FAULTS.
  bool has(Fault f) const noexcept {
    if constexpr (!kFaultInjectionBuilt) return false;
    return bits_.test(static_cast<std::size_t>(f));
  }
  bool any() const noexcept { return kFaultInjectionBuilt && bits_.any(); }
  // names lists the enabled faults' catalogue names (for the start-up warning).
  std::vector<std::string_view> names() const;

 private:
  std::bitset<kFaultCount> bits_;
};

// parse_faults reads --inject-fault values (each a name or a comma-separated list of names);
// an unknown or empty name is an error naming it.
Expected<Faults, std::string> parse_faults(std::span<const std::string> values);

}  // namespace unm::server
