// Running a service: the namespace sandbox command (new mount and pid namespaces, bind mounts, chroot, uid/gid),
// mount targets prepared inside the root file system without following its symlinks, and starting the detached
// service supervisor.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { lstat, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError } from "../errors";

/** V8 flags of the supervisor: a small heap (it holds a few statuses and log lines at a time). */
const SUPERVISOR_NODE_FLAGS = ["--max-old-space-size=16", "--max-semi-space-size=1"];

/** A bind mount into the sandbox: a host path at a path inside the root file system. */
export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** What the sandbox needs to start a process. */
export interface SandboxSpec {
  rootfs: string;
  workdir: string;
  uid: number;
  gid: number;
  mounts: Mount[];
  argv: string[];
}

// The sandbox's PID 1 (outside the chroot): mount /proc, /tmp and the binds, then start the service chrooted as its
// user and forward SIGTERM to it. A constant script: every path and argument arrives as a positional parameter.
const SANDBOX_SCRIPT = `set -eu
svc_path=\${PATH:-/usr/local/bin:/usr/bin:/bin}; PATH=/usr/sbin:/usr/bin:/sbin:/bin; u=$(command -v unshare)
root=$1; wd=$2; uid=$3; gid=$4; n=$5; shift 5
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
while [ "$n" -gt 0 ]; do
  mount --bind "$1" "$root$2"
  if [ "$3" = ro ]; then mount -o remount,bind,ro "$root$2"; fi
  shift 3; n=$((n-1))
done
trap 'kill -TERM "$child" 2>/dev/null || :' TERM INT
PATH=$svc_path "$u" --root="$root" --wd="$wd" --setgid="$gid" --setuid="$uid" -- "$@" &
child=$!
while :; do
  if wait "$child"; then exit 0; else st=$?; fi
  kill -0 "$child" 2>/dev/null || exit "$st"
done`;

/** The command that runs `spec` in new mount and pid namespaces, chrooted into its root file system. */
export function sandboxArgv(spec: SandboxSpec): string[] {
  const mounts = spec.mounts.flatMap((m) => [m.source, m.target, m.readOnly ? "ro" : "rw"]);
  return [hostCommand("unshare"), "--mount", "--pid", "--fork", "--kill-child", "--propagation=private", "--", "/bin/sh", "-c", SANDBOX_SCRIPT, "maculaos-sandbox", spec.rootfs, spec.workdir, String(spec.uid), String(spec.gid), String(spec.mounts.length), ...mounts, ...spec.argv];
}

/** The absolute path of a host command such as unshare (a service's PATH must not decide which one runs). */
export function hostCommand(name: string): string {
  const found = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map((d) => join(d, name)).find((p) => existsSync(p));
  if (!found) throw new AppError("UNAVAILABLE", `${name} is not installed (util-linux); services cannot run without it`);
  return found;
}

/** Creates `path` (absolute, inside the chroot) under `rootfs` as a directory or an empty file, refusing symlinks and `..` on the way. */
export async function prepareMountTarget(rootfs: string, path: string, kind: "dir" | "file"): Promise<void> {
  const parts = path.split("/").filter(Boolean);
  if (!path.startsWith("/") || parts.some((p) => p === "." || p === "..")) throw new AppError("INVALID_INPUT", `mount path ${path} must be absolute without . or ..`);
  let at = rootfs;
  for (const [i, part] of parts.entries()) {
    at = join(at, part);
    const last = i === parts.length - 1;
    const st = await lstat(at).catch(() => null);
    if (st?.isSymbolicLink()) throw new AppError("INVALID_INPUT", `cannot mount at ${path}: ${at.slice(rootfs.length)} is a symlink in the service's file system`);
    if (!st) {
      if (last && kind === "file") await writeFile(at, "", { flag: "wx" });
      else await mkdir(at, 0o755);
    } else if (!last && !st.isDirectory()) throw new AppError("INVALID_INPUT", `cannot mount at ${path}: ${at.slice(rootfs.length)} is not a directory`);
  }
}

/** The supervisor script, beside this module: in the sources, and in dist/ (so in the image) beside the bundle. */
function supervisorScript(): string {
  const path = fileURLToPath(new URL("./supervisor.mjs", import.meta.url));
  if (!existsSync(path)) throw new AppError("INTERNAL", `the service supervisor script ${path} is missing`);
  return path;
}

/** Starts the shared service supervisor for `runDir`, detached so it outlives the appliance; its own messages go
 * to `logFile`. */
export function startSupervisor(runDir: string, logFile: string): void {
  const out = openSync(logFile, "a", 0o640);
  try {
    const child = spawn(process.execPath, [...SUPERVISOR_NODE_FLAGS, supervisorScript(), runDir], { detached: true, stdio: ["ignore", out, out], env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } as Record<string, string> as NodeJS.ProcessEnv });
    child.unref();
    if (!child.pid) throw new AppError("IO_FAILED", "the service supervisor could not be started");
  } finally {
    closeSync(out);
  }
}
