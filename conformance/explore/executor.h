// executor.h — turns an operation into requests on one side (docs/explore.md): builds each
// payload from the abstract operation, the side's learned ids and the prepared client values
// (ciphertexts, signatures, the X3DH message, identical on every side), does the client's part
// of multi-request procedures (the login challenge, bundles before create_dm, get_dm before a
// cancel), and returns every exchange with its ack in canonical form (normalize.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conformance/explore/op.h"
#include "conformance/explore/side.h"
#include "conformance/explore/world.h"
#include "reference/crypto/random.h"

namespace unm::conformance::explore {

// Prepared are the client-made values of one operation, made once and sent to every side.
struct Prepared {
  struct Sealed {
    std::string ciphertext;  // hex
    std::string signature;   // hex, over the ciphertext bytes (CR-SIG-002)
  };
  std::vector<Sealed> sealed;     // send / edit / react: one; burst: `count`
  std::string create_dm_payload;  // create_dm: the whole payload (X3DH messages, key tree)
};

// prepare makes the client values of `op` and registers its ciphertexts in `reg`. A create_dm
// also records the new DM's key.
Prepared prepare(const Op& op, Registry& reg, crypto::Random& rng);

// Exchange is one request and its canonical answer.
struct Exchange {
  int conn = 0;
  std::string event;
  std::string payload;  // as sent to this side (JSON text)
  std::string canon;    // canonical ack (normalize.h), or {"no_ack": reason}
  std::string raw;      // the ack's result object as received (empty without an ack)
  bool acked = false;
  bool success = false;
  Micros at = 0;  // when it was sent
};

// conn_of numbers a user's connection slot.
inline int conn_of(int user, int slot) {
  return user * 2 + slot;
}

// perform runs `op` on `side`. With `times` (the oracle), request i is stamped with times[i]
// (the moment the target received it) instead of the wall clock. `why` is set when the side
// could not be reached at all (a connection that cannot be opened).
std::vector<Exchange> perform(const Op& op, const Prepared& prep, Side& side, SideState& st,
                              const Registry& reg, const std::vector<Micros>* times,
                              std::string& why);

// settle_reaction_ack re-reads an add_reaction ack once the step's notifications taught the
// reaction's id (EV-RCT-003: the ack carries the new reaction's id); if none did, the ack's id
// is taken as the reaction's.
void settle_reaction_ack(const Op& op, Exchange& x, SideState& st, const Registry& reg);

}  // namespace unm::conformance::explore
