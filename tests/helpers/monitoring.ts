// Helpers for monitoring tests: services backed by real processes, a real nats-server, and promtool.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceSource } from "~/system/monitoring/sources";

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Services that are real processes: a copy of sleep under a unique command name per service. */
export class ProcessServices implements ServiceSource {
  readonly procs = new Map<string, { child: ChildProcess; restarts: number; binary: string }>();

  /** Starts service `name` as a process whose command name is `comm` (at most 15 characters). */
  async add(name: string, comm: string): Promise<void> {
    const binary = join(tmpdir(), comm);
    await copyFile("/bin/sleep", binary);
    await import("node:fs/promises").then((fs) => fs.chmod(binary, 0o755));
    this.procs.set(name, { child: spawn(binary, ["600"], { stdio: "ignore" }), restarts: 0, binary });
  }

  /** Kills a service's process (as a crash would) and waits until it is gone. */
  async kill(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
    await new Promise((r) => p.child.once("exit", r).kill("SIGKILL"));
  }

  async list() {
    return [...this.procs].map(([name, p]) => ({ name, up: p.child.exitCode === null && p.child.signalCode === null, restarts: p.restarts }));
  }

  async restart(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) throw new Error(`no service ${name}`);
    await this.kill(name);
    p.child = spawn(p.binary, ["600"], { stdio: "ignore" });
    p.restarts++;
  }

  /** Kills every process. */
  async close(): Promise<void> {
    for (const name of this.procs.keys()) await this.kill(name);
  }
}

/** Starts Debian's nats-server on a free loopback port; resolves once it accepts clients. */
export async function startNats(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let text = "";
    child.stderr!.on("data", (d: Buffer) => {
      text += d.toString();
      if (text.includes("Server is ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`nats-server exited with ${code}: ${text}`)));
  });
  return { url: `nats://127.0.0.1:${port}`, stop: () => new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", () => r()).kill())) };
}

/** Runs `promtool check metrics` on `text`: its exit code and what it printed. */
export function promtool(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code: code ?? 1, output }));
    child.stdin.end(text);
  });
}
