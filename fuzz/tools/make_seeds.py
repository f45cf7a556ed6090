#!/usr/bin/env python3
"""make_seeds.py — writes the hand-made seed inputs of every fuzz target into fuzz/corpus/<target>/
(file names seed-*). Run from anywhere; existing seed-* files are overwritten, corpus files the
fuzzer found (named by their SHA-1) and regression inputs (regress-*) are left alone.

The seeds are the wire examples of the specs (transport.md, events.md), one per construct, so the
fuzzer starts from every format feature instead of having to discover each one."""
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


HANDSHAKE = '{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'

# eio_packet: control byte (0 packet, 1 handshake, 2 base64) + text
for i, t in enumerate(["0" + HANDSHAKE, "1", "2", "2probe", "3probe", "4hello", "4", "5", "6",
                       "bAQID", "b", "4\u00e9\u00e8"]):
    put("eio_packet", "packet-%02d" % i, b"\x00" + t.encode())
put("eio_packet", "packet-limit", b"\x85" + b"4hello world")
put("eio_packet", "handshake", b"\x01" + HANDSHAKE.encode())
put("eio_packet", "base64", b"\x02" + b"aGVsbG8gd29ybGQ=")

# eio_payload: byte-limit, packet-limit control bytes + body
put("eio_payload", "mixed", b"\x00\x00" + b"4hello\x1e2\x1ebAQIDBA==\x1e6")
put("eio_payload", "single", b"\x00\x00" + b"40")
put("eio_payload", "limits", b"\x90\x82" + b"4a\x1e4b\x1e4c")
put("eio_payload", "sio", b"\x00\x00" + '42["chat",{"text":"hi"}]\x1e42["x"]'.encode())

# sio_packet single mode (even control byte) + packet text
for i, t in enumerate(["0", '0{"token":"abc"}', '0/admin,{"token":1}', "1", "1/admin,",
                       '2["hello",1]', '21["ask",{"a":[1,2,3]}]', '2/admin,7["x"]',
                       '3/custom,1["answer"]', "31[]", '4{"message":"Not authorized"}',
                       '51-["bin",{"_placeholder":true,"num":0}]',
                       '62-/a,9[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]']):
    put("sio_packet", "single-%02d" % i, b"\x00" + t.encode())
put("sio_packet", "single-dom", b"\x04" + b'2["e",{"k":[null,true,1.5,"s"]}]')


def frames(*msgs):
    out = b"\x01"
    for binary, body in msgs:
        out += bytes([1 if binary else 0]) + struct.pack("<H", len(body)) + body
    return out


put("sio_packet", "stream-binary",
    frames((False, b'52-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'),
           (True, b"\x00\x01\x02"), (True, b"bytes"), (False, b'2["after"]')))
put("sio_packet", "stream-text", frames((False, b'2["a"]'), (False, b"31[true]")))

# group_tree: mode byte 0 honest (seed u64, size, tamper, ...), 1 garbage, 2 x3dh
for tamper in range(8):
    put("group_tree", "honest-%d" % tamper,
        b"\x00" + struct.pack("<Q", 1000 + tamper) + struct.pack("<I", 3 + tamper) + bytes([tamper])
        + bytes(range(40)))
put("group_tree", "garbage", b"\x01" + bytes(range(256)) * 2)
put("group_tree", "x3dh-valid", b"\x02" + struct.pack("<Q", 7) + bytes(range(64)) + b"\x00")
put("group_tree", "x3dh-badsig", b"\x02" + struct.pack("<Q", 7) + bytes(range(64)) + b"\x01" + b"\xff" * 64)

# event_args: selector (bit 7 = logged-in alice, bit 6 = binary, low 6 bits: event) + args JSON
KEY = "5866666666666666666666666666666666666666666666666666666666666666"
SIG = "00" * 64
EVENTS = [
    ("register", {"username": "eve", "public_key": KEY, "spk": KEY, "sig": SIG, "own_storage": ""}),
    ("login", {"username": "alice"}),
    ("login_challenge_response", {"response": KEY}),
    ("username_exists", {"username": "bob"}),
    ("get_user", {"username": "bob"}),
    ("get_full_user", {}),
    ("get_user_list", {}),
    ("set_user", {"status": "away", "biography": "hi", "profile_picture": "", "own_storage": "x"}),
    ("create_dm", {"usernames": ["carol"], "messages": [{"spk": KEY, "ek": KEY}], "key_tree": [KEY, KEY]}),
    ("get_dms", {}),
    ("get_dm", {"id": 1}),
    ("set_dm", {"id": 1, "name": "team"}),
    ("leave_dm", {"id": 1}),
    ("send_message", {"id": 1, "message": "00ff", "signature": SIG, "schedule": 0, "delete": 0}),
    ("get_message", {"id": 1}),
    ("get_message_history", {"id": 1, "cursor": "", "count": 10}),
    ("get_pinned", {"id": 1}),
    ("set_message", {"id": 1, "message": "00ff", "signature": SIG, "pinned": True}),
    ("cancel_scheduled_message", {"dm_id": 1, "schedule_id": 1}),
    ("add_reaction", {"id": 1, "reaction": "f09f918d", "signature": SIG}),
    ("remove_reaction", {"id": 1}),
    ("ping_typing", {"id": 1}),
    ("send_friend_request", {"username": "carol"}),
    ("get_friend_requests", {}),
    ("get_outgoing_requests", {}),
    ("get_friends", {}),
    ("get_blocked", {}),
    ("ack_friend_request", {"username": "carol", "accept": True}),
    ("unfriend", {"username": "bob"}),
    ("block_user", {"username": "carol"}),
    ("unblock", {"username": "carol"}),
    ("join_call", {"id": 1, "uuid": "3f2a"}),
    ("leave_call", {"id": 1}),
]
for i, (name, payload) in enumerate(EVENTS):
    put("event_args", "%02d-%s" % (i, name), bytes([0x80 | i]) + json.dumps([payload], separators=(",", ":")).encode())
put("event_args", "alias-unblock_user", bytes([0x80 | 33]) + b'[{"username":"carol"}]')
put("event_args", "unknown-event", bytes([0x80 | 34]) + b"[{}]")
put("event_args", "not-logged-in", bytes([13]) + b'[{"id":1}]')
put("event_args", "binary", bytes([0xC0 | 9]) + b"[{}]")
put("event_args", "two-args", bytes([0x80 | 9]) + b"[{},{}]")

# server_dispatch: seed byte, then opcodes (see server_dispatch_fuzzer.cc)
put("server_dispatch", "register-login",
    bytes([1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0]))
put("server_dispatch", "friends-dm-message",
    bytes([2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 1, 0, 0, 0,
           3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 0, 0, 0, 1, 0, 0, 0,
           6, 0, 0, 0, 0, 1, 0, 0, 0, 7, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0,
           8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
           1, 0, 0, 0, 1, 0, 0, 0, 5, 100, 0, 1, 0, 0, 0, 0]))
put("server_dispatch", "raw-events",
    bytes([3, 0, 4, 0, 0, 0, 0, 9]) + struct.pack("<I", 4) + b"[{}]" +
    bytes([4, 0, 0, 0, 0, 1]) + struct.pack("<I", 21) + b'[{"username":"alice"}]')

# vector_file and scenario_file: the committed data files are added by the campaign script's
# --seed-from-data step; a minimal example of each format here.
put("vector_file", "minimal", json.dumps({"family": "sign", "generator": "seed", "tests": []}))
put("scenario_file", "minimal", json.dumps({
    "id": "seed-1", "title": "seed", "clauses": ["EV-TRN-005"], "basis": "document", "tags": ["seed"],
    "actors": ["alice", {"name": "alice2", "as": "alice", "connect": False}],
    "steps": [{"do": "register", "actor": "alice"}, {"do": "login", "actor": "alice"},
              {"send": "username_exists", "actor": "alice", "args": [{"username": "x"}], "expect": "ok"},
              {"send": "get_user", "actor": "alice", "args_json": "[{}]", "expect": {"fail": "R-FORMAT"}},
              {"raw": "2[\"x\"", "actor": "alice", "expect_connected": True, "window_ms": 10},
              {"await": "profile_notification", "actor": "alice", "match": {"username": "bob"}, "within_ms": 10},
              {"sleep_ms": 1}, {"disconnect": True, "actor": "alice"}]}))
put("scenario_file", "multi", json.dumps({"scenarios": [
    {"id": "a", "title": "a", "clauses": ["CR-KEY-004"], "basis": "decided", "actors": ["x"],
     "foreach_vector": {"family": "keys", "where": {"valid": False}},
     "steps": [{"compute": "keypair", "into": "k"}, {"set": {"v": "${k}"}}]},
    {"id": "b", "title": "b", "clauses": ["TR-SIO-001"], "basis": "document", "actors": ["y"],
     "steps": [{"none": "message_notification", "actor": "y", "window_ms": 5}]}]}))

# vector_file: published RFC 8032 test vector 1 (a fact, not code) in two families, an invalid
# test, and an edge-case flag, so the checker's valid, invalid and edge paths are all seeded.
RFC_PRIV = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC_PUB = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
RFC_SIG = ("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
           "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
put("vector_file", "ed25519_keys", json.dumps({
    "family": "ed25519_keys", "version": 1, "generator": "make_seeds.py", "notes": [],
    "tests": [{"id": 1, "comment": "RFC 8032 test 1", "result": "valid", "private_key": RFC_PRIV,
               "public_key": RFC_PUB}]}))
put("vector_file", "ed25519_sign", json.dumps({
    "family": "ed25519_sign", "version": 1, "generator": "make_seeds.py",
    "tests": [{"id": 1, "result": "valid", "public_key": RFC_PUB, "message": "", "signature": RFC_SIG,
               "private_key": RFC_PRIV},
              {"id": 2, "result": "invalid", "public_key": RFC_PUB, "message": "00", "signature": RFC_SIG},
              {"id": 3, "result": "invalid", "flags": ["small_order_pubkey"],
               "public_key": "01" + "00" * 31, "message": "", "signature": "01" + "00" * 63}]}))
put("vector_file", "kdf", json.dumps({
    "family": "kdf", "version": 1, "generator": "make_seeds.py",
    "tests": [{"id": 1, "result": "valid", "key_material": "00" * 32, "output": "00" * 32}]}))
put("vector_file", "aead", json.dumps({
    "family": "aead", "version": 1, "generator": "make_seeds.py",
    "tests": [{"id": 1, "result": "invalid", "key": "00" * 32, "iv": "00" * 12, "plaintext": "",
               "ciphertext": "00" * 28}]}))
put("vector_file", "group_dm", json.dumps({
    "family": "group_dm", "version": 1, "generator": "make_seeds.py",
    "tests": [{"id": 1, "result": "valid", "n": 2, "creator_ik_priv": RFC_PRIV, "creator_leaf": RFC_PRIV,
               "padding": [], "members": [{"position": 1, "ik_priv": RFC_PRIV, "spk_priv": RFC_PRIV,
                                           "spk_sig": RFC_SIG, "ek_priv": RFC_PRIV}],
               "padded_size": 2, "key_tree": [RFC_PUB, RFC_PUB], "messages": [{"ek": RFC_PUB, "spk": RFC_PUB}],
               "shared_key": "00" * 32}]}))
