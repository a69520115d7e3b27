// The network side of the device: the files the appliance renders for the node's network services, and where
// network commands act. On a node they act on the node itself. A development device acts on nothing of the machine
// it runs on, unless its root names a network namespace in etc/maculaos/netns: then it is that namespace's node
// (the tests make one with `ip netns add`), and ip, nft and wg run inside it.
import { dirname, join } from "node:path";
import { AppError } from "../errors";
import type { DeviceKind } from "./device";
import { writeFileAtomic } from "./atomic-write";
import { ensureDir, readTextIfExists } from "./files";

/** Paths of the files this side of the device renders or reads, all under the device root. */
export interface NetPaths {
  netnsFile: string;
  networkdDir: string;
  timesyncd: string;
  resolvConf: string;
  ruleset: string;
  meshConfig: string;
  meshSocket: string;
  wireguard: string;
  authorizedKeys: string;
  /** A network change waiting for confirmation: what to go back to, and when. */
  pendingChange: string;
  /** The network settings last put in force. */
  appliedNetwork: string;
}

/** The node's login account whose authorized_keys `ssh.authorized_keys` fills. */
export const ADMIN_ACCOUNT = "admin";

/** Resolves the network files of the device at `root`. */
export function netPaths(root: string): NetPaths {
  const at = (...p: string[]) => join(root, ...p);
  return {
    netnsFile: at("etc/maculaos/netns"),
    networkdDir: at("etc/systemd/network"),
    timesyncd: at("etc/systemd/timesyncd.conf.d/maculaos.conf"),
    resolvConf: at("etc/resolv.conf"),
    ruleset: at("var/lib/maculaos/firewall/ruleset.nft"),
    meshConfig: at("var/lib/maculaos/mesh/daemon.json"),
    meshSocket: at("run/macula/mesh.sock"),
    wireguard: at("etc/wireguard/wg0.conf"),
    authorizedKeys: at(`home/${ADMIN_ACCOUNT}/.ssh/authorized_keys`),
    pendingChange: at("var/lib/maculaos/network/pending.json"),
    appliedNetwork: at("var/lib/maculaos/network/applied.json"),
  };
}

/** Where network commands act. */
export interface NetTarget {
  /** Run commands in this namespace (development device only), or null for the machine itself. */
  netns: string | null;
  /** True when changes are applied (a node, or a development device's namespace); false: rendered and checked only. */
  live: boolean;
  /** In words, for status output. */
  where: string;
}

/** Reads where network commands act for a device of `kind` at `root`. */
export async function netTarget(root: string, kind: DeviceKind): Promise<NetTarget> {
  if (kind === "node") return { netns: null, live: true, where: "this node" };
  const file = netPaths(root).netnsFile;
  const name = (await readTextIfExists(file))?.trim();
  if (!name) return { netns: null, live: false, where: "development device: rendered and checked, not applied to this machine" };
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new AppError("INVALID_CONFIG", `${file}: expected a network namespace name, got ${JSON.stringify(name)}`);
  return { netns: name, live: true, where: `network namespace ${name}` };
}

/** Writes a rendered file atomically, creating its folder first; returns false when it already held `text`. */
export async function writeNetFile(path: string, text: string, mode?: number): Promise<boolean> {
  if ((await readTextIfExists(path)) === text) return false;
  await ensureDir(dirname(path));
  await writeFileAtomic(path, text, mode);
  return true;
}
