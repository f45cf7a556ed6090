// crypto.h — the whole protocol crypto layer (crypto.md); include this or the single headers.
#pragma once

#include "reference/crypto/aead.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/ecdh.h"
#include "reference/crypto/error.h"
#include "reference/crypto/group_tree.h"
#include "reference/crypto/kdf.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/own_storage.h"
#include "reference/crypto/random.h"
#include "reference/crypto/recovery_phrase.h"
#include "reference/crypto/secret.h"
#include "reference/crypto/sign.h"
#include "reference/crypto/types.h"
#include "reference/crypto/x3dh.h"
