#!/usr/bin/env node
// node_echo_server.js — the official Node.js socket.io server (npm "socket.io" 4.8.3, pinned in
// interop/package-lock.json) running the same echo application as our C++ server
// (reference/transport/echo.cc, transport.md §4), for bench/echo/compare_echo.sh:
//   on connect          emits "auth" with the handshake's auth object ({} when none)
//   "message"           emits "message-back" with the same arguments
//   "message-with-ack"  acks with its own arguments
// Options as close to ours as socket.io allows: pingInterval 25000, pingTimeout 20000,
// maxHttpBufferSize 1e6, permessage-deflate off (also socket.io's default), both transports.
//
// Usage: node node_echo_server.js [--port N] [--host H] [--lifetime MS]
// Prints "listening on http://HOST:PORT" when ready (the same line as our server). Stops on
// SIGTERM/SIGINT, or after --lifetime ms (default 600000) so a forgotten server cannot linger.
'use strict';

const http = require('http');
const path = require('path');
const { Server } = require(path.join(__dirname, '..', '..', 'interop', 'node_modules', 'socket.io'));

function parseArgs(argv) {
  const opts = { port: 0, host: '127.0.0.1', lifetime: 600000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const num = () => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) throw new Error(`bad value for ${a}`);
      return v;
    };
    if (a === '--port') opts.port = num();
    else if (a === '--host') opts.host = value();
    else if (a === '--lifetime') opts.lifetime = num();
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const httpServer = http.createServer();
  const io = new Server(httpServer, {
    pingInterval: 25000,
    pingTimeout: 20000,
    maxHttpBufferSize: 1e6,
    perMessageDeflate: false,
    transports: ['polling', 'websocket'],
  });

  const app = (socket) => {
    socket.emit('auth', socket.handshake.auth || {});
    socket.on('message', (...args) => {
      if (typeof args[args.length - 1] === 'function') args.pop();
      socket.emit('message-back', ...args);
    });
    socket.on('message-with-ack', (...args) => {
      const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
      if (ack) ack(...args);
    });
  };
  io.on('connection', app);
  io.of('/custom').on('connection', app);

  const stop = () => {
    io.close();
    httpServer.close();
    // Lingering sockets must not keep the process alive.
    setTimeout(() => process.exit(0), 300).unref();
  };
  setTimeout(stop, opts.lifetime).unref();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  httpServer.listen(opts.port, opts.host, () => {
    process.stdout.write(`listening on http://${opts.host}:${httpServer.address().port}\n`);
  });
}

try {
  main();
} catch (err) {
  process.stderr.write(`node_echo_server: ${err.message}\n`);
  process.exit(2);
}
