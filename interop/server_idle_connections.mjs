// server_idle_connections.mjs — opens N idle Socket.IO WebSocket connections to our echo server
// and reports the server's resident memory per connection (the load requirement:
// 10 000 concurrent idle WebSocket connections on this 2-core machine).
// Usage: node server_idle_connections.mjs ECHO_SERVER_BINARY [N=10000]
// Exits non-zero if not every connection got its CONNECT answer, or on timeout.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import WebSocket from "ws";

const binary = process.argv[2];
const total = Number(process.argv[3] ?? 10000);
const BATCH = 250;
setTimeout(() => {
  console.error("FAIL: overall timeout");
  process.exit(1);
}, 240000);

function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]);
}

const child = spawn(binary, ["--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
const port = await new Promise((resolve, reject) => {
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
    const m = out.match(/listening on http:\/\/[^:]+:(\d+)/);
    if (m) resolve(Number(m[1]));
  });
  child.on("exit", () => reject(new Error("server exited")));
});

// open one connection: Engine.IO open, Socket.IO CONNECT to "/", then idle (pongs only).
function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    ws.on("message", (data) => {
      const s = data.toString();
      if (s.startsWith("0")) ws.send("40");
      else if (s === "2") ws.send("3");
      else if (s.startsWith("40")) resolve(ws);
    });
    ws.on("error", reject);
  });
}

await new Promise((r) => setTimeout(r, 200));
const before = rssKiB(child.pid);
const sockets = [];
const started = Date.now();
for (let i = 0; i < total; i += BATCH) {
  const n = Math.min(BATCH, total - i);
  sockets.push(...(await Promise.all(Array.from({ length: n }, open))));
}
const connectMs = Date.now() - started;
await new Promise((r) => setTimeout(r, 1000));
const after = rssKiB(child.pid);
const perConn = ((after - before) * 1024) / total;
console.log(`connections: ${sockets.length} (all answered CONNECT) in ${connectMs} ms`);
console.log(`server RSS: ${before} KiB idle -> ${after} KiB with ${total} connections`);
console.log(`memory per idle connection: ${Math.round(perConn)} bytes (${(perConn / 1024).toFixed(1)} KiB)`);
for (const ws of sockets) ws.terminate();
child.kill("SIGTERM");
const code = await new Promise((r) => child.on("exit", (c) => r(c)));
console.log(`server exit code after SIGTERM: ${code}`);
process.exit(sockets.length === total && code === 0 ? 0 : 1);
