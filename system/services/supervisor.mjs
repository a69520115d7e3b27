// The per-service supervisor (like conmon): started detached by the appliance, it outlives the appliance's restarts.
// It runs the service's sandbox command, writes its stdout and stderr with timestamps to the service log with
// size-based rotation, restarts it on a crash with exponential backoff, ends a crash loop in state `failed` with the
// reason, and keeps a status file the appliance reads. SIGTERM stops the service (SIGTERM, then SIGKILL after the
// grace period) and ends the supervisor. Plain JavaScript so it runs under `node` without the appliance's bundle.
// Usage: node supervisor.mjs SPEC.json
import { spawn } from "node:child_process";
import { closeSync, fstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";

const specFile = process.argv[2];
if (!specFile) {
  process.stderr.write("usage: supervisor.mjs SPEC.json\n");
  process.exit(2);
}
/** @type {{name: string, argv: string[], env: Record<string,string>, logFile: string, logMaxBytes: number, logKeep: number, statusFile: string, backoffMs: number, maxBackoffMs: number, maxQuickCrashes: number, quickMs: number, stopTimeoutMs: number}} */
const spec = JSON.parse(readFileSync(specFile, "utf8"));
process.title = `maculaos-supervisor ${spec.name}`;

const status = { shimPid: process.pid, name: spec.name, state: "starting", pid: null, startedAt: null, restarts: 0, lastExit: null, reason: null, updatedAt: new Date().toISOString() };
let logFd = openSync(spec.logFile, "a", 0o640);
let logSize = fstatSync(logFd).size;
let child = null;
let stopping = false;
let quickCrashes = 0;
let backoffTimer = null;

/** Writes the status file atomically. */
function save(patch) {
  Object.assign(status, patch, { updatedAt: new Date().toISOString() });
  const tmp = `${spec.statusFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(status));
  renameSync(tmp, spec.statusFile);
}

/** Appends one log line, rotating name.log -> name.log.1 -> ... when the file is full. */
function log(stream, line) {
  const buf = Buffer.from(`${new Date().toISOString()} ${stream} ${line}\n`);
  if (logSize + buf.length > spec.logMaxBytes && logSize > 0) {
    closeSync(logFd);
    rmSync(`${spec.logFile}.${spec.logKeep}`, { force: true });
    for (let i = spec.logKeep - 1; i >= 1; i--) {
      try {
        renameSync(`${spec.logFile}.${i}`, `${spec.logFile}.${i + 1}`);
      } catch {
        // not there yet
      }
    }
    renameSync(spec.logFile, `${spec.logFile}.1`);
    logFd = openSync(spec.logFile, "a", 0o640);
    logSize = 0;
  }
  writeSync(logFd, buf);
  logSize += buf.length;
}

/** Splits a stream into lines for the log; a partial last line is written when the stream ends. */
function lines(readable, stream) {
  let rest = "";
  readable.setEncoding("utf8");
  readable.on("data", (text) => {
    const parts = (rest + text).split("\n");
    rest = parts.pop() ?? "";
    for (const p of parts) log(stream, p);
  });
  readable.on("end", () => rest && log(stream, rest));
}

/** Starts the service once. */
function run() {
  backoffTimer = null;
  const [cmd, ...args] = spec.argv;
  const started = Date.now();
  child = spawn(cmd, args, { env: spec.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  lines(child.stdout, "stdout");
  lines(child.stderr, "stderr");
  child.on("error", (e) => log("supervisor", `cannot start: ${e.message}`));
  save({ state: "running", pid: child.pid ?? null, startedAt: new Date(started).toISOString(), reason: null });
  log("supervisor", `started ${spec.name} (pid ${child.pid})`);
  child.on("close", (code, signal) => {
    child = null;
    const lastExit = { code, signal, at: new Date().toISOString() };
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    if (stopping) {
      log("supervisor", `stopped (${how})`);
      save({ state: "stopped", pid: null, lastExit, reason: null });
      process.exit(0);
    }
    quickCrashes = Date.now() - started < spec.quickMs ? quickCrashes + 1 : 1;
    if (quickCrashes >= spec.maxQuickCrashes) {
      const reason = `crash loop: exited ${quickCrashes} times in a row within ${spec.quickMs / 1000} s of starting; last: ${how}`;
      log("supervisor", `failed: ${reason}`);
      save({ state: "failed", pid: null, lastExit, reason });
      process.exit(0);
    }
    const delay = Math.min(spec.maxBackoffMs, spec.backoffMs * 2 ** (quickCrashes - 1));
    log("supervisor", `exited (${how}); restarting in ${delay} ms`);
    save({ state: "backoff", pid: null, lastExit, restarts: status.restarts + 1, reason: `exited (${how})` });
    backoffTimer = setTimeout(run, delay);
  });
}

/** Stops the service: SIGTERM to its process group, SIGKILL after the grace period. */
function stop() {
  if (stopping) return;
  stopping = true;
  if (backoffTimer) clearTimeout(backoffTimer);
  if (!child?.pid) {
    save({ state: "stopped", pid: null });
    process.exit(0);
  }
  const pid = child.pid;
  const kill = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  kill("SIGTERM");
  setTimeout(() => kill("SIGKILL"), spec.stopTimeoutMs);
}

process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.on("SIGHUP", () => undefined);
run();
