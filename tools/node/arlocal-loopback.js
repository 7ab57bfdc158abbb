#!/usr/bin/env node
// Starts arlocal for internal/arweave's integration test, listening on
// 127.0.0.1 only (arlocal's own CLI listens on every interface), on the port
// given (0: any free port), with its database in the directory given. Prints
// {"port": N} on stdout once listening; stops on SIGTERM or SIGINT or when
// stdin closes (so it never outlives the test that started it). Test-only.
//
//   node arlocal-loopback.js <port> <dbdir>
"use strict";

const path = require("path");
const arlocalDir = path.dirname(require.resolve("arlocal/package.json"));
const Koa = require(require.resolve("koa", { paths: [arlocalDir] }));

const [portArg = "0", dbDir] = process.argv.slice(2);
if (!dbDir) {
  console.error("usage: arlocal-loopback.js <port> <dbdir>");
  process.exit(2);
}

Koa.prototype.listen = function listenLoopback() {
  const server = require("http").createServer(this.callback());
  server.listen(Number(portArg), "127.0.0.1", () => {
    process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
  });
  return server;
};

const ArLocal = require("arlocal").default;
const app = new ArLocal(Number(portArg) || 1984, false, path.resolve(dbDir), false);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  // arlocal's stop does not wait for its server; give it a moment, then go.
  try {
    await app.stop();
  } catch (e) {}
  setTimeout(() => process.exit(0), 200).unref();
  setTimeout(() => process.exit(0), 2000);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();

app.start().catch((e) => {
  console.error(e);
  process.exit(1);
});
