// Running a service under an OCI runtime (Debian's crun) where it works: a bundle with config.json next to the root
// file system. crun needs a pure cgroup v2 hierarchy; where cgroups are hybrid (as on the CI machine) it refuses to run
// anything ("cgroups in hybrid mode not supported"), and services run in the namespace sandbox instead (sandbox.ts).
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { hostCommand, type Mount } from "./sandbox";

/** Which runtime runs services on this machine, and why. */
export interface RuntimeChoice {
  runtime: "crun" | "sandbox";
  reason: string;
}

/** Chooses crun when it is installed and /sys/fs/cgroup is a pure cgroup v2 hierarchy, else the namespace sandbox. */
export function chooseRuntime(cgroupRoot = "/sys/fs/cgroup", bins = ["/usr/bin/crun", "/bin/crun"]): RuntimeChoice {
  if (!bins.some((b) => existsSync(b))) return { runtime: "sandbox", reason: "crun is not installed" };
  if (!existsSync(join(cgroupRoot, "cgroup.controllers")) || existsSync(join(cgroupRoot, "unified"))) return { runtime: "sandbox", reason: "cgroups are hybrid (v1 controllers mounted), which crun cannot use" };
  return { runtime: "crun", reason: "crun with a cgroup v2 hierarchy" };
}

/** What the OCI config needs. */
export interface OciProcess {
  name: string;
  argv: string[];
  env: Record<string, string>;
  workdir: string;
  uid: number;
  gid: number;
  mounts: Mount[];
}

const CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"];

/** The OCI runtime config for a service: its own pid, mount, ipc and uts namespaces, the host's network, its binds. */
export function ociConfig(p: OciProcess): Record<string, unknown> {
  const binds = p.mounts.filter((m) => !m.target.startsWith("/dev/")).map((m) => ({ destination: m.target, type: "bind", source: m.source, options: ["rbind", m.readOnly ? "ro" : "rw"] }));
  return {
    ociVersion: "1.0.2",
    process: { terminal: false, user: { uid: p.uid, gid: p.gid }, args: p.argv, env: Object.entries(p.env).map(([k, v]) => `${k}=${v}`), cwd: p.workdir, noNewPrivileges: true, capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS } },
    root: { path: "rootfs", readonly: false },
    hostname: p.name,
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
      { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
      { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
      { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"] },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
      ...binds,
    ],
    linux: {
      namespaces: [{ type: "pid" }, { type: "mount" }, { type: "ipc" }, { type: "uts" }],
      maskedPaths: ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}

/** Writes `bundle`/config.json (the root file system is `bundle`/rootfs) and returns the command that runs it in the foreground. */
export async function crunArgv(bundle: string, p: OciProcess): Promise<string[]> {
  await writeFile(join(bundle, "config.json"), JSON.stringify(ociConfig(p)), { mode: 0o600 });
  return [hostCommand("crun"), "run", "--bundle", bundle, `maculaos-${p.name}`];
}
