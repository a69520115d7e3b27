// Shared pieces of the benchmarks: start a built appliance in a temporary root, sign in, read RSS, print rows.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Resident set size of a process in MB, from /proc. */
export function rssMb(pid) {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
  return kb / 1024;
}

/** Starts `node dist/server.mjs` on a free port in a fresh root; resolves once it listens, with its setup code. */
export function startServer(extraArgs = []) {
  const root = mkdtempSync(join(tmpdir(), "maculaos-bench-"));
  const child = spawn(process.execPath, [...extraArgs, join(REPO, "dist/server.mjs")], {
    cwd: REPO,
    env: { ...process.env, MACULAOS_ROOT: root, PORT: "0", HOST: "127.0.0.1", NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      const port = /"msg":"listening","port":(\d+)/.exec(out)?.[1];
      const code = /setup code (\S+)/.exec(out)?.[1];
      if (port && code) {
        resolve({
          child,
          url: `http://127.0.0.1:${port}`,
          code,
          stop: () => new Promise((r) => (child.once("exit", r), child.kill("SIGTERM"))).then(() => rmSync(root, { recursive: true, force: true })),
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (c) => reject(new Error(`server exited ${c}: ${out}`)));
  });
}

/** Completes setup through the API and returns the session cookie. */
export async function signIn(url, code) {
  const res = await fetch(`${url}/api/trpc/setup.complete`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url, "x-maculaos-csrf": "1" },
    body: JSON.stringify({
      code,
      admin: { username: "admin", password: "benchmark password" },
      hostname: "bench-node",
      network: { interface: "eth0", mode: "dhcp" },
      mesh: { role: "peer", realm: "io.bench", bootstrap_nodes: ["bootstrap.macula.io:4433"] },
      ssh_authorized_keys: [],
      ntp_servers: ["pool.ntp.org"],
    }),
  });
  if (!res.ok) throw new Error(`setup failed: ${await res.text()}`);
  return res.headers.getSetCookie()[0].split(";")[0];
}

/** Prints one result row: what, our figure, the baseline's figure, and the target. */
export function report(name, ours, baseline, target) {
  console.log(`${name.padEnd(44)} ours ${ours.padEnd(14)} baseline ${baseline.padEnd(30)} target ${target}`);
}
