// normalize.h — the canonical form in which the explorer compares two servers' answers: what
// the protocol lets a client observe, minus what is legitimately free (docs/explore.md, "What
// is compared"):
//  - server-chosen ids become the abstract names of what they denote (`dm3`, `msg12`, `rct4`),
//    learned from the ciphertexts the explorer sent (identical on every side) and from
//    create_dm / add_reaction answers; schedule ids become `sched` (their values are free,
//    EV-MSG-007);
//  - timestamps become `time`, except that a message's `delete_timestamp` is kept as its
//    distance from `timestamp` in whole seconds (EV-OBJ-010: `timestamp` + `delete` s);
//  - failure reasons become `reason` (texts are not normative, EV-TRN-009), a login challenge
//    becomes `challenge`;
//  - arrays are sets (events.md §0) and are sorted, except message lists (EV-MSG-016/018) and
//    key trees; users the explorer did not create are dropped from lists and notifications
//    about them are not this run's (a shared server has other clients).
// Objects keep every key, so a missing, extra or renamed key is a difference.
#pragma once

#include <string>
#include <string_view>

#include "conformance/explore/side.h"
#include "conformance/explore/world.h"

namespace unm::conformance::explore {

// canon_ack returns the canonical JSON text of an ack's result object for request `event`,
// learning the ids it reveals into `side`. Invalid JSON is returned as a string value.
std::string canon_ack(std::string_view event, const std::string& ack_json, SideState& side,
                      const Registry& reg);

// canon_note returns the canonical JSON text of a notification as {"name": N, "payload": P}.
std::string canon_note(const Note& n, SideState& side, const Registry& reg);

// concerns_run tells whether a notification is about this run's users: a profile_notification
// about a user the explorer did not create is another client's business.
bool concerns_run(const Note& n, const Registry& reg);

}  // namespace unm::conformance::explore
