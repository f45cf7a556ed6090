// chat_flow.mjs — the official socket.io-client 4.8.3 drives one full chat flow against
// `unmanageable-server` (events.md): register, challenge login, friend request and accept,
// create a DM (X3DH notification), send a message, receive it, read the history. The crypto is
// done here in JavaScript with @noble/curves 1.1.0 (Ed25519 keys, SPK signature, challenge
// response, message signature) and node:crypto (AES-256-GCM), proving that a non-C++ client can
// use the server. Usage: node chat_flow.mjs /path/to/unmanageable-server
// Exits 0 on success, 1 on any failure; has its own overall timeout.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCipheriv, randomBytes } from "node:crypto";
import { io } from "socket.io-client";
import { ed25519 } from "@noble/curves/ed25519";

const OVERALL_TIMEOUT_MS = 60000;
const STEP_TIMEOUT_MS = 10000;
const binary = process.argv[2];
if (!binary) {
  console.error("usage: chat_flow.mjs UNMANAGEABLE_SERVER_BINARY");
  process.exit(2);
}
const dataDir = mkdtempSync(join(tmpdir(), "unm-chat-flow-"));
let server;
const overall = setTimeout(() => fail("overall timeout"), OVERALL_TIMEOUT_MS);

function fail(why) {
  console.error(`FAIL: ${why}`);
  if (server) server.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
}

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const unhex = (h) => Uint8Array.from(Buffer.from(h, "hex"));

function withTimeout(promise, what) {
  let t;
  return Promise.race([
    promise.finally(() => clearTimeout(t)),
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`timeout: ${what}`)), STEP_TIMEOUT_MS);
    }),
  ]);
}

// call emits a request with an ack and returns its result; a failure result is an error.
async function call(socket, event, payload) {
  const res = await withTimeout(socket.timeout(STEP_TIMEOUT_MS).emitWithAck(event, payload), event);
  if (!res || typeof res.success !== "boolean" || !("result" in res)) {
    throw new Error(`${event}: malformed result object ${JSON.stringify(res)}`);
  }
  if (!res.success) throw new Error(`${event}: failed with ${JSON.stringify(res.result)}`);
  return res.result;
}

// next waits for the next notification `name` on `socket` (listener installed before the
// request that causes it, EV-TRN-026).
function next(socket, name) {
  return withTimeout(new Promise((resolve) => socket.once(name, resolve)), name);
}

// User holds an identity key and a signed prekey, made with @noble/curves.
function makeUser(name) {
  const ik = ed25519.utils.randomPrivateKey();
  const spk = ed25519.utils.randomPrivateKey();
  const spkPub = ed25519.getPublicKey(spk);
  return {
    name,
    ik,
    pub: hex(ed25519.getPublicKey(ik)),
    spkPub: hex(spkPub),
    sig: hex(ed25519.sign(spkPub, ik)), // CR-SIG-002: the 32 raw SPK bytes
  };
}

// answer computes the challenge response encode(scalar(priv)·decode(challenge)) (CR-CHAL-002).
function answer(user, challengeHex) {
  const { scalar } = ed25519.utils.getExtendedPublicKey(user.ik);
  return hex(ed25519.ExtendedPoint.fromHex(challengeHex).multiply(scalar).toRawBytes());
}

async function connect(url) {
  const socket = io(url, { forceNew: true, reconnection: false });
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    }),
    "connect",
  );
  return socket;
}

async function startServer() {
  server = spawn(binary, ["--listen", "127.0.0.1:0", "--db", join(dataDir, "chat.db"),
    "--x3dh-delay-ms", "0", "--synchronous", "normal"], { stdio: ["ignore", "pipe", "inherit"] });
  server.on("exit", (code, signal) => {
    if (!stopping) fail(`server exited early (code ${code}, signal ${signal})`);
  });
  return withTimeout(new Promise((resolve) => {
    let buf = "";
    server.stdout.on("data", (d) => {
      buf += d.toString();
      const m = buf.match(/listening on (http:\/\/[^\s]+)/);
      if (m) resolve(m[1]);
    });
  }), "server start");
}

let stopping = false;

async function main() {
  const url = await startServer();
  const alice = makeUser("alice");
  const bob = makeUser("bob");
  const sa = await connect(url);
  const sb = await connect(url);

  for (const [s, u] of [[sa, alice], [sb, bob]]) {
    await call(s, "register", { username: u.name, public_key: u.pub, spk: u.spkPub, sig: u.sig,
      own_storage: "" });
    const challenge = await call(s, "login", { username: u.name });
    if (!/^[0-9a-f]{64}$/.test(challenge)) throw new Error(`bad challenge ${challenge}`);
    const ok = await call(s, "login_challenge_response", { response: answer(u, challenge) });
    if (ok !== true) throw new Error("login did not succeed with true");
  }

  // Friends: request, notification, accept, notification.
  const requested = next(sb, "friend_request_notification");
  await call(sa, "send_friend_request", { username: "bob" });
  const rq = await requested;
  if (rq.username !== "alice") throw new Error(`friend request from ${rq.username}`);
  const accepted = next(sa, "friend_request_accept_notification");
  await call(sb, "ack_friend_request", { username: "alice", accept: true });
  const ac = await accepted;
  if (ac.username !== "bob" || ac.accept !== true) throw new Error(`accept ${JSON.stringify(ac)}`);

  // A 1:1 DM with bob, built from bob's published bundle.
  const bundle = await call(sa, "get_user", { username: "bob" });
  if (!ed25519.verify(unhex(bundle.sig), unhex(bundle.spk), unhex(bundle.public_key))) {
    throw new Error("bob's SPK signature does not verify in JavaScript");
  }
  const ek = hex(ed25519.getPublicKey(ed25519.utils.randomPrivateKey()));
  const tree = [0, 1].map(() => hex(ed25519.getPublicKey(ed25519.utils.randomPrivateKey())));
  const x3dh = next(sb, "x3dh_notification");
  const dmId = await call(sa, "create_dm", { usernames: ["bob"],
    messages: [{ spk: bundle.spk, ek }], key_tree: tree });
  const x = await x3dh;
  if (x.id !== dmId || x.sender !== "alice" || x.ik !== alice.pub || x.ek !== ek ||
      x.position !== 1 || JSON.stringify(x.key_tree) !== JSON.stringify(tree)) {
    throw new Error(`x3dh_notification ${JSON.stringify(x)}`);
  }

  // A message: AES-256-GCM ciphertext (IV ‖ ciphertext ‖ tag), signed after encryption.
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update("hello from JavaScript", "utf8"), cipher.final()]);
  const ciphertext = hex(Buffer.concat([iv, body, cipher.getAuthTag()]));
  const signature = hex(ed25519.sign(unhex(ciphertext), alice.ik));
  const gotB = next(sb, "message_notification");
  const gotA = next(sa, "message_notification");
  await call(sa, "send_message", { id: dmId, message: ciphertext, signature, schedule: 0,
    delete: 0 });
  const [mb, ma] = await Promise.all([gotB, gotA]);
  for (const m of [mb, ma]) {
    if (m.dm_id !== dmId || m.sender !== "alice" || m.message !== ciphertext) {
      throw new Error(`message_notification ${JSON.stringify(m)}`);
    }
  }
  if (!ed25519.verify(unhex(mb.signature), unhex(mb.message), unhex(alice.pub))) {
    throw new Error("the received message's signature does not verify");
  }
  const history = await call(sb, "get_message_history",
    { id: dmId, cursor: new Date(Date.now() + 60000).toISOString(), limit: 10 });
  if (history.length !== 1 || history[0].id !== mb.id) {
    throw new Error(`history ${JSON.stringify(history)}`);
  }

  sa.close();
  sb.close();
  stopping = true;
  const exited = new Promise((resolve) => server.once("exit", (code) => resolve(code)));
  server.kill("SIGTERM");
  const code = await withTimeout(exited, "graceful shutdown");
  if (code !== 0) throw new Error(`server exit code ${code} after SIGTERM`);
}

main().then(
  () => {
    clearTimeout(overall);
    rmSync(dataDir, { recursive: true, force: true });
    console.log("ok chat flow: register, login, friend, create_dm, send, receive, history");
    process.exit(0);
  },
  (e) => fail(e && e.message ? e.message : String(e)),
);
