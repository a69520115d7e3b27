// Two network namespaces joined by a veth pair, made with `ip netns add` for one test file and removed after it:
// `node` is the appliance's side (its development device acts inside it), `peer` the other end sending traffic.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO } from "./appliance";

const run = promisify(execFile);
const PROBE = join(REPO, "tests/helpers/net-probe.mjs");

/** A pair of namespaces with addresses on each end. */
export interface NetPair {
  node: string;
  peer: string;
  nodeIf: string;
  peerIf: string;
  nodeAddr: string;
  peerAddr: string;
  /** Runs a command in a namespace. */
  exec(ns: string, cmd: string, args: string[]): Promise<string>;
  /** Starts listeners (tcp:22 udp:4433 ...) in the node namespace; resolves once they are bound. */
  listen(specs: string[]): Promise<ChildProcess>;
  /** True when a TCP connection or a UDP echo from the peer to the node's port gets through. */
  reaches(proto: "tcp" | "udp", port: number): Promise<boolean>;
  remove(): Promise<void>;
}

/** Makes the pair; names carry `tag` and the pid so parallel runs never collide. */
export async function makeNetPair(tag: string, subnet: number): Promise<NetPair> {
  const id = `${tag}${process.pid}`;
  const node = `mos-${id}-n`;
  const peer = `mos-${id}-p`;
  const nodeIf = `n${id}`.slice(0, 15);
  const peerIf = `p${id}`.slice(0, 15);
  const nodeAddr = `10.${subnet}.0.1`;
  const peerAddr = `10.${subnet}.0.2`;
  const ip = (...args: string[]) => run("ip", args);
  const children: ChildProcess[] = [];
  await ip("netns", "add", node);
  await ip("netns", "add", peer);
  await ip("link", "add", nodeIf, "netns", node, "type", "veth", "peer", "name", peerIf, "netns", peer);
  for (const [ns, dev, addr] of [[node, nodeIf, nodeAddr], [peer, peerIf, peerAddr]] as const) {
    await ip("-n", ns, "addr", "add", `${addr}/24`, "dev", dev);
    await ip("-n", ns, "link", "set", dev, "up");
    await ip("-n", ns, "link", "set", "lo", "up");
  }
  const exec = async (ns: string, cmd: string, args: string[]) => (await run("ip", ["netns", "exec", ns, cmd, ...args])).stdout;
  return {
    node,
    peer,
    nodeIf,
    peerIf,
    nodeAddr,
    peerAddr,
    exec,
    listen: (specs) =>
      new Promise((resolve, reject) => {
        const child = spawn("ip", ["netns", "exec", node, process.execPath, PROBE, "listen", ...specs], { stdio: ["ignore", "pipe", "inherit"] });
        children.push(child);
        child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve(child));
        child.on("exit", (code) => reject(new Error(`listener exited with ${code}`)));
      }),
    reaches: (proto, port) => exec(peer, process.execPath, [PROBE, "connect", proto, nodeAddr, String(port)]).then(() => true, () => false),
    remove: async () => {
      for (const c of children) c.kill();
      await ip("netns", "del", node).catch(() => undefined);
      await ip("netns", "del", peer).catch(() => undefined);
    },
  };
}
