// Every device path the appliance uses, resolved under one device root (MACULAOS_ROOT): "/" on a node, ./.device elsewhere.
import { join } from "node:path";

/** Absolute paths of one device, all under `root`. */
export interface DevicePaths {
  root: string;
  dataDir: string;
  config: string;
  configDropins: string;
  db: string;
  logDir: string;
  runDir: string;
  socket: string;
  grubenv: string;
  hostname: string;
  keysDir: string;
  version: string;
  cmdline: string;
  nodeMarker: string;
  slot: (slot: Slot) => string;
}

/** A root slot name. */
export type Slot = "A" | "B";

/** Resolves the device's paths under `root`. */
export function devicePaths(root: string): DevicePaths {
  const at = (...p: string[]) => join(root, ...p);
  return {
    root,
    dataDir: at("var/lib/maculaos"),
    config: at("var/lib/maculaos/config.yaml"),
    configDropins: at("var/lib/maculaos/config.d"),
    db: at("var/lib/maculaos/maculaos.db"),
    logDir: at("var/log/maculaos"),
    runDir: at("run/maculaos"),
    socket: at("run/maculaos/api.sock"),
    grubenv: at("boot/grub/grubenv"),
    hostname: at("etc/hostname"),
    keysDir: at("etc/maculaos/keys"),
    version: at("usr/lib/maculaos/version"),
    cmdline: at("proc/cmdline"),
    nodeMarker: at("usr/lib/maculaos/node"),
    slot: (slot) => at(`dev/disk/by-partlabel/maculaos-root-${slot}`),
  };
}
