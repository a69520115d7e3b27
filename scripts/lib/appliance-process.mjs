// Runs the built appliance (`node dist/server.mjs`) as a real process in a fresh temporary device root, for the
// end-to-end tests, the benchmarks and the README screenshots.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Resident set size of a process in MB, from /proc. */
export function rssMb(pid) {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
  return kb / 1024;
}

/** The V8 flags the appliance runs with (as `npm start` and the image's unit run it). */
export const NODE_FLAGS = JSON.parse(readFileSync(join(REPO, "server/node-flags.json"), "utf8"));

/**
 * Starts the appliance on a free loopback port; resolves once it listens, with its URL, setup code, the log lines it
 * wrote (JSON on stderr) and stop(). `nodeArgs` go to node before the script (default: NODE_FLAGS), `args` after it
 * (e.g. --api-only).
 */
export function startAppliance({ nodeArgs = NODE_FLAGS, env = {}, args = [] } = {}) {
  const root = mkdtempSync(join(tmpdir(), "maculaos-proc-"));
  const child = spawn(process.execPath, [...nodeArgs, join(REPO, "dist/server.mjs"), ...args], {
    cwd: REPO,
    env: { ...process.env, MACULAOS_ROOT: root, PORT: "0", HOST: "127.0.0.1", NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs = [];
  let out = "";
  let partial = "";
  child.stderr.on("data", (d) => {
    const lines = (partial + d).split("\n");
    partial = lines.pop() ?? "";
    logs.push(...lines.filter(Boolean));
  });
  return new Promise((resolve, reject) => {
    const check = () => {
      const port = logs.map((l) => /"msg":"listening","port":(\d+)/.exec(l)?.[1]).find(Boolean);
      const code = /setup code (\S+)/.exec(out)?.[1];
      if (!port || !code) return;
      resolve({
        child,
        root,
        url: `http://127.0.0.1:${port}`,
        code,
        logs,
        errorLogs: () => logs.filter((l) => l.includes('"level":"error"') || !l.startsWith("{")),
        stop: () =>
          new Promise((r) => {
            if (child.exitCode !== null) return r();
            child.once("exit", r);
            child.kill("SIGTERM");
          }).then(() => rmSync(root, { recursive: true, force: true })),
      });
    };
    child.stdout.on("data", (d) => ((out += d), check()));
    child.stderr.on("data", check);
    child.once("exit", (c) => reject(new Error(`the appliance exited with ${c}: ${out}\n${logs.join("\n")}`)));
  });
}

/** A valid set of setup wizard answers for `code`, with `overrides` on top. */
export function wizardAnswers(code, overrides = {}) {
  return {
    code,
    admin: { username: "admin", password: "correct horse battery" },
    hostname: "edge-node-01",
    network: { interface: "eth0", mode: "dhcp" },
    mesh: { role: "peer", realm: "io.mycompany", bootstrap_nodes: ["bootstrap.macula.io:4433"] },
    ssh_authorized_keys: [],
    ntp_servers: ["pool.ntp.org"],
    ...overrides,
  };
}

/** Completes setup through the API like the wizard does; returns the admin's session cookie. */
export async function completeSetupApi(url, code, answers = {}) {
  const res = await fetch(`${url}/api/trpc/setup.complete`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url, "x-maculaos-csrf": "1" },
    body: JSON.stringify(wizardAnswers(code, answers)),
  });
  if (!res.ok) throw new Error(`setup failed: ${await res.text()}`);
  return res.headers.getSetCookie()[0].split(";")[0];
}

/** The flags Debian's chromium runs with in tests: headless, no sandbox (root), and no traffic off this machine. */
export const CHROMIUM = {
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
};
