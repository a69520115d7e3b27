// The node's log forwarding: `logging.forward_to` and `logging.format` become fluent-bit's configuration
// (<root>/etc/fluent-bit/fluent-bit.conf and parsers.conf), read by the image's fluent-bit unit. Without forward_to
// the files are removed and fluent-bit has nothing to do.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { MaculaConfig } from "../config";
import { writeFileAtomic } from "../host/atomic-write";
import { ensureDir, readTextIfExists } from "../host/files";
import type { DevicePaths } from "../host/paths";

/** Where the configuration goes under the device root. */
export function fluentBitPaths(root: string): { dir: string; conf: string; parsers: string } {
  const dir = join(root, "etc/fluent-bit");
  return { dir, conf: join(dir, "fluent-bit.conf"), parsers: join(dir, "parsers.conf") };
}

/** fluent-bit's classic-format configuration for `logging`, or null when nothing is forwarded. Paths are the node's. */
export function renderFluentBit(logging: MaculaConfig["logging"]): { conf: string; parsers: string } | null {
  if (!logging.forward_to) return null;
  const i = logging.forward_to.lastIndexOf(":");
  const host = logging.forward_to.slice(0, i).replace(/^\[|\]$/g, "");
  const port = logging.forward_to.slice(i + 1);
  const json = logging.format === "json";
  const conf = [
    "# Written by the MaculaOS appliance from maculaos.logging in config.yaml; edits here are overwritten.",
    "[SERVICE]",
    "    flush        5",
    "    log_level    warn",
    "    parsers_file /etc/fluent-bit/parsers.conf",
    "    storage.path /var/lib/fluent-bit/buffer",
    "",
    "# The systemd journal: boot, kernel, network daemons, services",
    "[INPUT]",
    "    name           systemd",
    "    tag            journal.*",
    "    db             /var/lib/fluent-bit/journal.db",
    "    read_from_tail on",
    "    storage.type   filesystem",
    "",
    "# The appliance's own log (JSON lines, rotated by size)",
    "[INPUT]",
    "    name         tail",
    "    tag          maculaos.appliance",
    "    path         /var/log/maculaos/appliance.log",
    "    db           /var/lib/fluent-bit/appliance.db",
    ...(json ? ["    parser       maculaos_json"] : ["    # format: text, each line is forwarded as the record's `log` field"]),
    "    storage.type filesystem",
    "",
    "[OUTPUT]",
    "    name                     forward",
    "    match                    *",
    `    host                     ${host}`,
    `    port                     ${port}`,
    "    retry_limit              false",
    "    storage.total_limit_size 64M",
    "",
  ].join("\n");
  const parsers = ["[PARSER]", "    name        maculaos_json", "    format      json", "    time_key    time", "    time_format %Y-%m-%dT%H:%M:%S.%LZ", "    time_keep   on", ""].join("\n");
  return { conf, parsers };
}

/** Writes (or removes) fluent-bit's configuration for the config in force; returns what changed, or null. */
export async function writeFluentBit(paths: DevicePaths, logging: MaculaConfig["logging"]): Promise<"written" | "removed" | null> {
  const p = fluentBitPaths(paths.root);
  const r = renderFluentBit(logging);
  const before = await readTextIfExists(p.conf);
  if (!r) {
    if (before === undefined) return null;
    await rm(p.conf, { force: true });
    await rm(p.parsers, { force: true });
    return "removed";
  }
  if (before === r.conf) return null;
  await ensureDir(p.dir, 0o755);
  await writeFileAtomic(p.parsers, r.parsers, 0o644);
  await writeFileAtomic(p.conf, r.conf, 0o644);
  return "written";
}
