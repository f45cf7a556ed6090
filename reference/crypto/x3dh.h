// x3dh.h — X3DH key agreement without one-time prekeys (crypto.md §5).
#pragma once

#include "reference/crypto/random.h"
#include "reference/crypto/types.h"

namespace unm::crypto {

// PreKeyBundle is what a responder publishes: identity key, signed prekey, sig = sign(ik, spk).
struct PreKeyBundle {
  PublicKey ik;
  PublicKey spk;
  Signature sig;
};

// X3dhMessage is what the initiator sends: its ephemeral public key and the SPK it used.
struct X3dhMessage {
  PublicKey ek;
  PublicKey spk;
};

// X3dhSent is the initiator's result: the shared key and the message for the responder.
struct X3dhSent {
  SharedKey shared_key;
  X3dhMessage message;
};

// x3dh_send checks sig over the SPK (CR-X3DH-001), draws an ephemeral key from `rng` and
// computes SK = KDF(DH1 || DH2 || DH3 || DH4) (CR-X3DH-002). Errors: invalid_point (ik or spk
// fails CR-KEY-004), bad_signature.
Result<X3dhSent> x3dh_send(const PrivateKey& ik, const PreKeyBundle& peer, Random& rng);

// x3dh_send_with_ephemeral is x3dh_send with an explicit ephemeral private key, for vectors.
Result<X3dhSent> x3dh_send_with_ephemeral(const PrivateKey& ik, const PrivateKey& ek,
                                          const PreKeyBundle& peer);

// x3dh_receive is the responder's side (CR-X3DH-003): the same SK from its identity and SPK
// private keys, the sender's identity key and ephemeral key. Checking that the SPK named in the
// notification is one it holds (CR-X3DH-004) is the caller's job. Errors: invalid_point.
Result<SharedKey> x3dh_receive(const PrivateKey& ik, const PrivateKey& spk,
                               const PublicKey& sender_ik, const PublicKey& ek);

}  // namespace unm::crypto
