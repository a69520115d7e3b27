// Pseudo-terminals: the login shell a terminal runs (root's on a node, the developer's on a development device) and
// spawning it on a node-pty with a clean environment (the appliance's own variables, which may hold secrets, stay out).
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import type { IPty } from "node-pty";
import { AppError } from "../errors";
import type { DeviceKind } from "./device";
import { readTextIfExists } from "./files";

/** Who a terminal's shell runs as, and which shell. */
export interface LoginShell {
  user: string;
  home: string;
  shell: string;
}

/** A running pseudo-terminal whose output comes as raw bytes. */
export interface Pty {
  readonly pid: number;
  onData(listener: (data: Buffer) => void): void;
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): void;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  kill(signal?: string): void;
}

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The login shell a terminal runs: root's from `<root>/etc/passwd` on a node, the user running the appliance (at home
 * in `<root>/root`) on a development device; `shell` (the config's terminal.shell) replaces the shell. */
export async function loginShell(root: string, kind: DeviceKind, shell: string | undefined): Promise<LoginShell> {
  let who: LoginShell;
  if (kind === "node") {
    const passwd = (await readTextIfExists(join(root, "etc/passwd"))) ?? "";
    const entry = passwd.split("\n").map((l) => l.split(":")).find((f) => f[0] === "root");
    who = { user: "root", home: entry?.[5] || "/root", shell: entry?.[6] || "/bin/sh" };
  } else {
    // The development device's shell runs as the developer, but at home inside the device root (`<root>/root`), so
    // the host's dotfiles (and what they start) stay out, as every other side effect of a development device does.
    const me = userInfo();
    const home = join(root, "root");
    await mkdir(home, { recursive: true, mode: 0o700 });
    who = { user: me.username, home, shell: me.shell || "/bin/sh" };
  }
  if (shell) who.shell = shell;
  if (!existsSync(who.shell)) throw new AppError("UNAVAILABLE", `the terminal's shell ${who.shell} does not exist (set terminal.shell in config.yaml)`);
  return who;
}

/** Starts `who`'s shell as a login shell (`-l`) on a new pseudo-terminal of `cols` x `rows`. node-pty's native addon
 * is loaded on the first terminal, not at start (an appliance that never opens one does not pay for it). */
export async function spawnPty(who: LoginShell, cols: number, rows: number): Promise<Pty> {
  const { spawn } = await import("node-pty");
  const env = { PATH, HOME: who.home, USER: who.user, LOGNAME: who.user, SHELL: who.shell, TERM: "xterm-256color", COLORTERM: "truecolor", LANG: "C.UTF-8" };
  const cwd = existsSync(who.home) ? who.home : "/";
  let pty: IPty;
  try {
    pty = spawn(who.shell, ["-l"], { name: "xterm-256color", cols, rows, cwd, env, encoding: null });
  } catch (cause) {
    throw new AppError("IO_FAILED", `could not start the terminal's shell ${who.shell}: ${(cause as Error).message}`, { cause });
  }
  return {
    pid: pty.pid,
    onData: (listener) => void pty.onData(listener as unknown as (data: string) => void),
    onExit: (listener) => void pty.onExit(listener),
    write: (data) => pty.write(data),
    resize: (c, r) => pty.resize(c, r),
    pause: () => pty.pause(),
    resume: () => pty.resume(),
    kill: (signal) => pty.kill(signal),
  };
}
