// server_interop.mjs — the official socket.io-client 4.8.3 drives our echo server
// (transport.md §4): polling then upgrade, WebSocket only, events, acks, binary, namespaces,
// heartbeat, reconnect, graceful shutdown on SIGTERM. Exits non-zero on any failure; has its own
// overall timeout. Usage: node server_interop.mjs /path/to/transport_echo_server
import { spawn } from "node:child_process";
import { io } from "socket.io-client";

const OVERALL_TIMEOUT_MS = 60000;
const STEP_TIMEOUT_MS = 5000;
const overall = setTimeout(() => {
  console.error("FAIL: overall timeout");
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

const serverBinary = process.argv[2];
if (!serverBinary) {
  console.error("usage: server_interop.mjs ECHO_SERVER_BINARY");
  process.exit(2);
}

let failures = 0;
const results = [];

// step runs one named check with a timeout; a failure is recorded, not thrown further.
async function step(name, fn) {
  let timer;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("step timeout")), STEP_TIMEOUT_MS);
      }),
    ]);
    results.push(`ok   ${name}`);
  } catch (e) {
    failures++;
    results.push(`FAIL ${name}: ${e && e.message ? e.message : e}`);
  } finally {
    clearTimeout(timer);
  }
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${what}: got ${a}, want ${b}`);
}

function once(emitter, event) {
  return new Promise((resolve) => emitter.once(event, (...args) => resolve(args)));
}

// connect opens a client and waits for "connect" and the echo app's "auth" event.
async function connect(url, opts) {
  const socket = io(url, { forceNew: true, reconnection: false, ...opts });
  const auth = once(socket, "auth");
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  const [authArg] = await auth;
  return { socket, authArg };
}

// Start the server: port 0 (the OS picks), the compliance suites' timings.
const child = spawn(serverBinary, ["--port", "0", "--ping-interval", "300", "--ping-timeout", "200",
  "--max-payload", "1000000", "--connect-timeout", "1000"], { stdio: ["ignore", "pipe", "inherit"] });
const childExit = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
const port = await new Promise((resolve, reject) => {
  let out = "";
  child.stdout.on("data", (d) => {
    out += d.toString();
    const m = out.match(/listening on http:\/\/[^:]+:(\d+)/);
    if (m) resolve(Number(m[1]));
  });
  child.on("exit", () => reject(new Error("server exited before listening: " + out)));
});
const url = `http://127.0.0.1:${port}`;
console.log(`echo server on ${url}`);

await step("connect over polling, then upgrade to websocket", async () => {
  const { socket, authArg } = await connect(url, { transports: ["polling", "websocket"] });
  assertEqual(authArg, {}, "auth object");
  const engine = socket.io.engine;
  if (engine.transport.name !== "websocket") {
    assertEqual(engine.transport.name, "polling", "first transport");
    await once(engine, "upgrade");
  }
  assertEqual(engine.transport.name, "websocket", "transport after upgrade");
  socket.emit("message", "after-upgrade");
  const args = await once(socket, "message-back");
  assertEqual(args, ["after-upgrade"], "echo after upgrade");
  socket.disconnect();
});

await step("polling only: events and acks", async () => {
  const { socket } = await connect(url, { transports: ["polling"] });
  socket.emit("message", 1, "2", { 3: [true] });
  assertEqual(await once(socket, "message-back"), [1, "2", { 3: [true] }], "message-back");
  const ack = await new Promise((resolve) => socket.emit("message-with-ack", 1, "2", { 3: [false] },
    (...a) => resolve(a)));
  assertEqual(ack, [1, "2", { 3: [false] }], "ack arguments");
  assertEqual(socket.io.engine.transport.name, "polling", "still polling");
  socket.disconnect();
});

await step("websocket only: events, acks, emitWithAck", async () => {
  const { socket } = await connect(url, { transports: ["websocket"] });
  assertEqual(socket.io.engine.transport.name, "websocket", "transport");
  socket.emit("message", "héllo ✓", null, [1, { a: "b" }]);
  assertEqual(await once(socket, "message-back"), ["héllo ✓", null, [1, { a: "b" }]], "message-back");
  const first = await socket.timeout(2000).emitWithAck("message-with-ack", { x: 42 });
  assertEqual(first, { x: 42 }, "emitWithAck");
  socket.disconnect();
});

for (const transports of [["websocket"], ["polling"]]) {
  await step(`binary over ${transports[0]}: message-back and ack keep the bytes`, async () => {
    const { socket } = await connect(url, { transports });
    const bytes = Buffer.from([0, 1, 2, 3, 254, 255]);
    socket.emit("message", bytes, { nested: Buffer.from("xyz") });
    const [b, obj] = await once(socket, "message-back");
    assertEqual([...new Uint8Array(b)], [...bytes], "binary argument");
    assertEqual(Buffer.from(obj.nested).toString(), "xyz", "nested binary");
    const ack = await new Promise((resolve) => socket.emit("message-with-ack", bytes, (...a) => resolve(a)));
    assertEqual([...new Uint8Array(ack[0])], [...bytes], "binary ack");
    socket.disconnect();
  });
}

await step("namespaces: /custom accepted with auth, others refused", async () => {
  const { socket, authArg } = await connect(`${url}/custom`, { auth: { token: "abc" } });
  assertEqual(authArg, { token: "abc" }, "auth echoed on /custom");
  socket.emit("message", "on custom");
  assertEqual(await once(socket, "message-back"), ["on custom"], "message-back on /custom");
  socket.disconnect();
  const bad = io(`${url}/random`, { forceNew: true, reconnection: false });
  const [err] = await once(bad, "connect_error");
  assertEqual(err.message, "Invalid namespace", "connect_error message");
  bad.close();
});

await step("two namespaces multiplexed on one connection", async () => {
  const manager = io(url, { forceNew: true, reconnection: false, transports: ["websocket"] }).io;
  const main = manager.socket("/");
  const custom = manager.socket("/custom");
  const both = Promise.all([once(main, "auth"), once(custom, "auth")]);
  main.connect();
  custom.connect();
  await both;
  custom.emit("message", "c");
  main.emit("message", "m");
  const [[m], [c]] = await Promise.all([once(main, "message-back"), once(custom, "message-back")]);
  assertEqual([m, c], ["m", "c"], "per-namespace echo");
  custom.disconnect();  // leaves /custom only (TR-SIO-005)
  main.emit("message", "still");
  assertEqual(await once(main, "message-back"), ["still"], "main namespace after leaving /custom");
  main.disconnect();
});

await step("heartbeat: stays connected across several ping intervals", async () => {
  const { socket } = await connect(url, { transports: ["websocket"] });
  let pings = 0;
  socket.io.engine.on("ping", () => pings++);
  await new Promise((r) => setTimeout(r, 1500));
  if (!socket.connected) throw new Error("disconnected during heartbeat");
  if (pings < 3) throw new Error(`only ${pings} pings in 1500 ms with pingInterval 300`);
  socket.disconnect();
});

await step("reconnect after the server drops the connection", async () => {
  const socket = io(url, { forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200,
    transports: ["websocket"] });
  await once(socket, "connect");
  const firstId = socket.id;
  const disconnected = once(socket, "disconnect");
  // A malformed Socket.IO packet makes our server close the connection (TR-SIO-003).
  socket.io.engine.write('2["unterminated');
  const [reason] = await disconnected;
  assertEqual(reason, "transport close", "disconnect reason");
  await once(socket, "connect");
  if (socket.id === firstId) throw new Error("reconnected socket kept the old id");
  socket.emit("message", "again");
  assertEqual(await once(socket, "message-back"), ["again"], "echo after reconnect");
  socket.disconnect();
});

await step("server closes a connection that sends no CONNECT (connect timeout 1000 ms)", async () => {
  // A bare Engine.IO connection (no Socket.IO CONNECT): the manager opens it, no socket joins.
  const manager = io(url, { forceNew: true, reconnection: false, autoConnect: false, transports: ["websocket"] }).io;
  await new Promise((resolve, reject) => manager.open((err) => (err ? reject(err) : resolve())));
  const [reason] = await once(manager, "close");
  assertEqual(reason, "transport close", "close reason");
});

await step("graceful shutdown on SIGTERM", async () => {
  const { socket } = await connect(url, { transports: ["websocket"] });
  const disconnected = once(socket, "disconnect");
  child.kill("SIGTERM");
  const { code, signal } = await childExit;
  assertEqual({ code, signal }, { code: 0, signal: null }, "server exit");
  await disconnected;
  socket.close();
});

clearTimeout(overall);
for (const r of results) console.log(r);
if (child.exitCode === null) child.kill("SIGKILL");
console.log(failures === 0 ? "ALL PASSED" : `${failures} FAILED`);
process.exit(failures === 0 ? 0 : 1);
