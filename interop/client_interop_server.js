#!/usr/bin/env node
// client_interop_server.js — the official JavaScript socket.io server (npm "socket.io", pinned in
// package-lock.json) set up for the C++ client interop tests (reference/transport/client_test.cc).
//
// Listens on 127.0.0.1 on a port the OS picks and prints one line "PORT <n>" on stdout once ready.
// Stops by itself: when stdin closes (the test process went away), on SIGTERM/SIGINT, or after
// --lifetime ms (default 120000), whichever comes first.
//
// Options: --ping-interval ms (default 25000), --ping-timeout ms (default 20000),
//          --tls <cert.pem> <key.pem> (serve https/wss instead of http/ws),
//          --transports polling|websocket|both (default both: what the server accepts),
//          --lifetime ms.
// Requests whose URL contains "deny=1" are refused by allowRequest (HTTP 403, Engine.IO code 4).
//
// Application (namespace "/" unless said otherwise):
//   on connect          emits "welcome" [{"nsp", "auth", "transport"}]
//   "echo"              acks with its own arguments
//   "emit-back"         emits "echo-back" with its own arguments (no ack)
//   "no-ack"            never answers (for ack timeouts)
//   "transport"         acks with the name of the Engine.IO transport now in use
//   "send-binary"       emits "binary" ["bytes", <Buffer 01 02 03>, {"nested": <Buffer ff>}]
//   "binary-echo"       acks with its own arguments (binary attachments included)
//   "disconnect-me"     acks "bye", then disconnects the socket (Socket.IO DISCONNECT)
//   "close-transport"   closes the Engine.IO connection without a Socket.IO DISCONNECT
//   "count"             acks with how many "emit-only" events this socket has received
//   "emit-only"         counted, never answered
//   namespace "/admin"  same application
//   namespace "/private" refuses with CONNECT_ERROR "not authorized" unless auth.token is
//                       "letmein"
//   any other namespace refused by socket.io itself ("Invalid namespace")
'use strict';

const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const { Server } = require(path.join(__dirname, 'node_modules', 'socket.io'));

function parseArgs(argv) {
  const opts = {
    pingInterval: 25000,
    pingTimeout: 20000,
    lifetime: 120000,
    tls: null,
    transports: ['polling', 'websocket'],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`bad value for ${a}`);
      return v;
    };
    if (a === '--ping-interval') opts.pingInterval = num();
    else if (a === '--ping-timeout') opts.pingTimeout = num();
    else if (a === '--lifetime') opts.lifetime = num();
    else if (a === '--tls') opts.tls = { cert: argv[++i], key: argv[++i] };
    else if (a === '--transports') {
      const t = argv[++i];
      if (t === 'both') opts.transports = ['polling', 'websocket'];
      else if (t === 'polling' || t === 'websocket') opts.transports = [t];
      else throw new Error(`bad value for ${a}`);
    }
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const httpServer = opts.tls
    ? https.createServer({ cert: fs.readFileSync(opts.tls.cert), key: fs.readFileSync(opts.tls.key) })
    : http.createServer();
  const io = new Server(httpServer, {
    pingInterval: opts.pingInterval,
    pingTimeout: opts.pingTimeout,
    maxHttpBufferSize: 1e6,
    transports: opts.transports,
    allowRequest: (req, callback) => callback(null, !req.url.includes('deny=1')),
  });

  const app = (socket) => {
    let emitOnly = 0;
    socket.emit('welcome', {
      nsp: socket.nsp.name,
      auth: socket.handshake.auth,
      transport: socket.conn.transport.name,
    });
    socket.on('echo', (...args) => {
      const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
      if (ack) ack(...args);
    });
    socket.on('binary-echo', (...args) => {
      const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
      if (ack) ack(...args);
    });
    socket.on('emit-back', (...args) => {
      if (typeof args[args.length - 1] === 'function') args.pop();
      socket.emit('echo-back', ...args);
    });
    socket.on('no-ack', () => {});
    socket.on('transport', (ack) => {
      if (typeof ack === 'function') ack(socket.conn.transport.name);
    });
    socket.on('send-binary', () => {
      socket.emit('binary', 'bytes', Buffer.from([1, 2, 3]), { nested: Buffer.from([0xff]) });
    });
    socket.on('disconnect-me', (ack) => {
      if (typeof ack === 'function') ack('bye');
      // Let the ack leave before the DISCONNECT packet.
      setImmediate(() => socket.disconnect(true));
    });
    socket.on('close-transport', () => socket.conn.close());
    socket.on('emit-only', () => { emitOnly++; });
    socket.on('count', (ack) => {
      if (typeof ack === 'function') ack(emitOnly);
    });
  };
  io.on('connection', app);
  io.of('/admin').on('connection', app);
  const priv = io.of('/private');
  priv.use((socket, next) => {
    if (socket.handshake.auth && socket.handshake.auth.token === 'letmein') next();
    else next(new Error('not authorized'));
  });
  priv.on('connection', app);

  const stop = (code) => {
    io.close();
    httpServer.close();
    // Pending sockets must not keep the process alive.
    setTimeout(() => process.exit(code), 200).unref();
  };
  setTimeout(() => stop(0), opts.lifetime).unref();
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  process.stdin.on('end', () => stop(0));
  process.stdin.on('error', () => stop(0));
  process.stdin.resume();

  httpServer.listen(0, '127.0.0.1', () => {
    process.stdout.write(`PORT ${httpServer.address().port}\n`);
  });
}

try {
  main();
} catch (err) {
  process.stderr.write(`client_interop_server: ${err.message}\n`);
  process.exit(2);
}
