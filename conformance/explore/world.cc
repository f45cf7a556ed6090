// world.cc — see world.h.
#include "conformance/explore/world.h"

#include <algorithm>

#include "reference/common/hex.h"
#include "reference/crypto/sign.h"

namespace unm::conformance::explore {

UserKeys make_user_keys(std::string name, crypto::Random& rng) {
  UserKeys k;
  k.name = std::move(name);
  k.ik = crypto::generate_private_key(rng);
  k.ik_pub_key = crypto::public_key(k.ik);
  k.ik_pub = to_hex(k.ik_pub_key);
  k.spk = crypto::generate_private_key(rng);
  k.spk_pub_key = crypto::public_key(k.spk);
  k.spk_pub = to_hex(k.spk_pub_key);
  k.sig = to_hex(crypto::sign(k.ik, k.spk_pub_key));  // CR-X3DH-001: the SPK signed by ik
  return k;
}

bool Model::member(int dm, int u) const {
  auto it = dms.find(dm);
  return it != dms.end() && std::find(it->second.members.begin(), it->second.members.end(), u) !=
                                it->second.members.end();
}

}  // namespace unm::conformance::explore
