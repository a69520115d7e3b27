#!/usr/bin/env node
// A tiny traffic tool the network tests run inside namespaces (`ip netns exec NS node net-probe.mjs ...`):
//   listen tcp:22 udp:4433 ...         accept TCP connections and echo UDP datagrams; prints "ready" once bound
//   connect tcp|udp HOST PORT [MS]     exit 0 when a TCP connection is accepted or a UDP datagram is echoed within
//                                      MS (default 1500: room for a loaded machine), else 1
import { createSocket } from "node:dgram";
import { connect, createServer } from "node:net";

const [mode, ...rest] = process.argv.slice(2);
if (mode === "listen") {
  let pending = rest.length;
  const bound = () => --pending === 0 && console.log("ready");
  for (const spec of rest) {
    const [proto, port] = spec.split(":");
    if (proto === "tcp") createServer((s) => s.on("error", () => undefined).end("ok\n")).listen(Number(port), "0.0.0.0", bound);
    else {
      const sock = createSocket("udp4");
      sock.on("message", (msg, from) => sock.send(msg, from.port, from.address));
      sock.bind(Number(port), "0.0.0.0", bound);
    }
  }
} else if (mode === "connect") {
  const [proto, host, port, ms = "1500"] = rest;
  const fail = () => process.exit(1);
  setTimeout(fail, Number(ms)).unref();
  if (proto === "tcp") {
    const s = connect({ host, port: Number(port) }, () => process.exit(0));
    s.on("error", fail);
  } else {
    const sock = createSocket("udp4");
    sock.on("message", () => process.exit(0));
    sock.on("error", fail);
    sock.send("ping", Number(port), host);
    setTimeout(fail, Number(ms));
  }
} else {
  console.error("usage: net-probe.mjs listen SPEC... | connect tcp|udp HOST PORT [MS]");
  process.exit(2);
}
