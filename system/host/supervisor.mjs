// The service supervisor: one detached process for all of a node's services (like conmon, but shared), started by
// the appliance and outliving the appliance's restarts. For each service it runs the sandbox command, writes its
// stdout and stderr with timestamps to the service log with size-based rotation, restarts it on a crash with
// exponential backoff, and ends a crash loop in state `failed` with the reason.
//
// The appliance talks to it over the unix socket RUN_DIR/supervisor.sock: newline-delimited JSON requests
// ({id, op: "start", spec} | {id, op: "stop", name} | {id, op: "forget", name} | {id, op: "list"}), each answered with
// {id, ok, result | error}; every status change is pushed to every connection ({event: "status", status}), and a new
// connection first gets {event: "hello", pid, services}.
//
// Each service's spec, desired state and status are kept in RUN_DIR/state.json. A service writes its output into
// two FIFOs (RUN_DIR/NAME.stdout and .stderr) that it holds open for reading and writing itself, so when this process
// is killed the service neither dies of SIGPIPE nor loses what it writes meanwhile (up to the pipe's 64 KiB): the next
// supervisor reads state.json, takes over every service whose process still runs (the same pid and start time),
// reopens its FIFOs and watches it, and restarts those that ended while nobody watched.
// SIGTERM stops every service (SIGTERM to its process group, SIGKILL after its grace period) and ends the supervisor;
// it says {event: "bye"} first, so the appliance knows it was stopped on purpose and does not start another one. With
// no service left and nobody connected it ends by itself.
// Plain JavaScript with node's built-ins only, so it runs under `node` without the appliance's bundle and stays small.
// Usage: node supervisor.mjs RUN_DIR
import { execFileSync, spawn } from "node:child_process";
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { connect, createServer, Socket } from "node:net";
import { join } from "node:path";

const runDir = process.argv[2];
if (!runDir) {
  process.stderr.write("usage: supervisor.mjs RUN_DIR\n");
  process.exit(2);
}
process.title = `maculaos-supervisor ${runDir}`;
process.umask(0o027);
const SOCKET = join(runDir, "supervisor.sock");
const PID_FILE = join(runDir, "supervisor.pid");
const STATE_FILE = join(runDir, "state.json");
/** Lines longer than this are written in pieces (a service that never writes a newline cannot fill the memory). */
const MAX_LINE = 64 * 1024;

/**
 * @typedef {{name: string, argv: string[], env: Record<string, string>, logFile: string, logMaxBytes: number, logKeep: number,
 *   backoffMs: number, maxBackoffMs: number, maxQuickCrashes: number, quickMs: number, stopTimeoutMs: number}} Spec
 * @typedef {{name: string, state: "running" | "backoff" | "failed" | "stopped", pid: number | null, startTicks: string | null,
 *   startedAt: string | null, restarts: number, reason: string | null, lastExit: {code: number | null, signal: string | null, at: string} | null,
 *   updatedAt: string}} Status
 * @typedef {{spec: Spec, desired: "running" | "stopped", status: Status, quickCrashes: number, run: object | null,
 *   child: import("node:child_process").ChildProcess | null, watch: NodeJS.Timeout | null, timer: NodeJS.Timeout | null,
 *   ended: Array<() => void>}} Service
 */

/** @type {Map<string, Service>} */
const services = new Map();
/** Open log files by service name: {fd, size}. */
const logs = new Map();
/** The appliance's connections. */
const clients = new Set();
/** Per service, the tail of its chain of operations (start, stop and forget of one service run one at a time). */
const chains = new Map();

const now = () => new Date().toISOString();

function ignore() {
  // nothing to do: the process or file is already gone
}

/** Writes state.json atomically (a removed run directory, as after a test, is not an error). */
function persist() {
  const state = { services: Object.fromEntries([...services].map(([n, s]) => [n, { spec: s.spec, desired: s.desired, status: s.status, quickCrashes: s.quickCrashes }])) };
  try {
    writeFileSync(`${STATE_FILE}.tmp`, JSON.stringify(state), { mode: 0o600 });
    renameSync(`${STATE_FILE}.tmp`, STATE_FILE);
  } catch (e) {
    process.stderr.write(`${now()} cannot write ${STATE_FILE}: ${e.message}\n`);
  }
}

/** Sends a message to every connection. */
function broadcast(message) {
  const line = `${JSON.stringify(message)}\n`;
  for (const c of clients) c.write(line);
}

/** Changes a service's status, stores it and tells the appliance. */
function save(svc, patch) {
  Object.assign(svc.status, patch, { updatedAt: now() });
  persist();
  broadcast({ event: "status", status: svc.status });
}

/** Appends one line to the service's log, rotating NAME.log -> NAME.log.1 -> ... when it is full. */
function log(spec, stream, line) {
  try {
    let file = logs.get(spec.name);
    if (!file) {
      const fd = openSync(spec.logFile, "a", 0o640);
      file = { fd, size: fstatSync(fd).size };
      logs.set(spec.name, file);
    }
    const buf = Buffer.from(`${now()} ${stream} ${line}\n`);
    if (file.size + buf.length > spec.logMaxBytes && file.size > 0) {
      closeSync(file.fd);
      rmSync(`${spec.logFile}.${spec.logKeep}`, { force: true });
      for (let i = spec.logKeep - 1; i >= 1; i--) {
        try {
          renameSync(`${spec.logFile}.${i}`, `${spec.logFile}.${i + 1}`);
        } catch {
          ignore(); // not there yet
        }
      }
      renameSync(spec.logFile, `${spec.logFile}.1`);
      file.fd = openSync(spec.logFile, "a", 0o640);
      file.size = 0;
    }
    writeSync(file.fd, buf);
    file.size += buf.length;
  } catch (e) {
    process.stderr.write(`${now()} cannot write the log of ${spec.name}: ${e.message}\n`); // a full disk must not stop supervision
  }
}

/** Closes a service's log file. */
function closeLog(name) {
  const file = logs.get(name);
  if (file) closeSync(file.fd);
  logs.delete(name);
}

/** The path of a service's FIFO for `stream`, made when missing. */
function fifo(name, stream) {
  const path = join(runDir, `${name}.${stream}`);
  let st = null;
  try {
    st = lstatSync(path);
  } catch {
    ignore();
  }
  if (st && !st.isFIFO()) rmSync(path, { force: true });
  if (!st?.isFIFO()) execFileSync("mkfifo", ["-m", "600", "--", path]);
  return path;
}

/** Reads a service's FIFO line by line into its log until every writer has closed it. */
function readOutput(spec, stream) {
  const fd = openSync(fifo(spec.name, stream), constants.O_RDONLY | constants.O_NONBLOCK);
  const reader = new Socket({ fd, readable: true, writable: false });
  let rest = "";
  reader.setEncoding("utf8");
  reader.on("data", (text) => {
    const parts = (rest + text).split("\n");
    rest = parts.pop() ?? "";
    for (const p of parts) log(spec, stream, p);
    while (rest.length > MAX_LINE) {
      log(spec, stream, rest.slice(0, MAX_LINE));
      rest = rest.slice(MAX_LINE);
    }
  });
  reader.on("end", () => rest && log(spec, stream, rest));
  reader.on("error", ignore);
}

/** The start time of process `pid` (field 22 of /proc/PID/stat), or null when it is gone or a zombie. */
function startTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" || fields[0] === "X" ? null : (fields[19] ?? null);
  } catch {
    return null;
  }
}

/** Sends a signal to a process group, ignoring one that is gone. */
function kill(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    ignore();
  }
}

/** Polls a process this supervisor did not start (so it gets no exit event) until it is gone. */
function watch(svc, ms) {
  clearInterval(svc.watch ?? undefined);
  const run = svc.run;
  svc.watch = setInterval(() => {
    if (svc.run === run && startTicks(svc.status.pid) !== svc.status.startTicks) ended(svc, run, { code: null, signal: null, unknown: true });
  }, ms);
}

/** Spawns the service's command in its own process group, its output going through its FIFOs. */
function spawnService(spec) {
  const fds = [];
  try {
    // the child gets the FIFOs opened for reading and writing, so they never break while it runs
    for (const stream of ["stdout", "stderr"]) fds.push(openSync(fifo(spec.name, stream), constants.O_RDWR));
    readOutput(spec, "stdout");
    readOutput(spec, "stderr");
    const [cmd, ...args] = spec.argv;
    return spawn(cmd, args, { env: spec.env, stdio: ["ignore", fds[0], fds[1]], detached: true });
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** Starts the service once; a start that fails counts as a crash. */
function start(svc) {
  svc.timer = null;
  const { spec } = svc;
  const run = {};
  svc.run = run;
  let child;
  try {
    child = spawnService(spec);
  } catch (e) {
    svc.status.startedAt = now();
    return ended(svc, run, { code: null, signal: null, failed: e.message });
  }
  svc.child = child;
  child.on("error", (e) => {
    if (!child.pid) ended(svc, run, { code: null, signal: null, failed: e.message });
    else log(spec, "supervisor", `error: ${e.message}`);
  });
  child.on("exit", (code, signal) => ended(svc, run, { code, signal }));
  if (!child.pid) return;
  save(svc, { state: "running", pid: child.pid, startTicks: startTicks(child.pid), startedAt: now(), reason: null });
  log(spec, "supervisor", `started ${spec.name} (pid ${child.pid})`);
}

/** What happens when a run of the service ends: stopped as asked, restarted after a backoff, or failed. */
function ended(svc, run, how) {
  if (svc.run !== run) return;
  svc.run = null;
  svc.child = null;
  clearInterval(svc.watch ?? undefined);
  svc.watch = null;
  const { spec } = svc;
  const lastExit = { code: how.code, signal: how.signal, at: now() };
  const text = how.failed ? `could not start: ${how.failed}` : how.unknown ? "it ended while another supervisor watched it or none did; its exit status is unknown" : how.signal ? `killed by ${how.signal}` : `exit code ${how.code}`;
  if (svc.desired === "stopped") {
    log(spec, "supervisor", `stopped (${text})`);
    save(svc, { state: "stopped", pid: null, startTicks: null, lastExit, reason: null });
  } else {
    svc.quickCrashes = Date.now() - Date.parse(svc.status.startedAt ?? "") < spec.quickMs ? svc.quickCrashes + 1 : 1;
    if (svc.quickCrashes >= spec.maxQuickCrashes) {
      const reason = `crash loop: exited ${svc.quickCrashes} times in a row within ${spec.quickMs / 1000} s of starting; last: ${text}`;
      log(spec, "supervisor", `failed: ${reason}`);
      save(svc, { state: "failed", pid: null, startTicks: null, lastExit, reason });
    } else {
      const delay = Math.min(spec.maxBackoffMs, spec.backoffMs * 2 ** (svc.quickCrashes - 1));
      log(spec, "supervisor", `exited (${text}); restarting in ${delay} ms`);
      save(svc, { state: "backoff", pid: null, startTicks: null, lastExit, restarts: svc.status.restarts + 1, reason: `exited (${text})` });
      svc.timer = setTimeout(() => start(svc), delay);
    }
  }
  for (const resolve of svc.ended.splice(0)) resolve();
}

/** Stops the service: SIGTERM to its process group, SIGKILL after the grace period; resolves once it has ended. */
function stop(svc) {
  svc.desired = "stopped";
  if (svc.timer) clearTimeout(svc.timer);
  svc.timer = null;
  if (!svc.run) {
    if (svc.status.state !== "stopped") save(svc, { state: "stopped", pid: null, startTicks: null, reason: null });
    else persist();
    return Promise.resolve();
  }
  persist(); // a supervisor that takes over from here finishes the stop
  const pgid = svc.status.pid;
  const done = new Promise((resolve) => svc.ended.push(resolve));
  if (!pgid) return done;
  kill(pgid, "SIGTERM");
  const hard = setTimeout(() => kill(pgid, "SIGKILL"), svc.spec.stopTimeoutMs);
  if (!svc.child) watch(svc, 100);
  return done.finally(() => clearTimeout(hard));
}

/** A new service record for `spec`, not started yet. */
function record(spec) {
  const status = { name: spec.name, state: "stopped", pid: null, startTicks: null, startedAt: null, restarts: 0, reason: null, lastExit: null, updatedAt: now() };
  return { spec, desired: "running", status, quickCrashes: 0, run: null, child: null, watch: null, timer: null, ended: [] };
}

/** Runs `work` after the operations already queued for service `name`. */
function serial(name, work) {
  const next = (chains.get(name) ?? Promise.resolve()).then(work);
  chains.set(name, next.catch(ignore));
  return next;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Carries out one request of the appliance. */
function handle(msg) {
  if (msg.op === "list") return [...services.values()].map((s) => s.status);
  const name = msg.op === "start" ? msg.spec?.name : msg.name;
  if (typeof name !== "string" || !NAME.test(name)) throw new Error(`bad service name ${JSON.stringify(name)}`);
  if (msg.op === "start") {
    return serial(name, async () => {
      const old = services.get(name);
      if (old) await stop(old);
      const svc = record(msg.spec);
      services.set(name, svc);
      start(svc);
      return svc.status;
    });
  }
  if (msg.op === "stop") {
    return serial(name, async () => {
      const svc = services.get(name);
      if (svc) await stop(svc);
      return svc?.status ?? null;
    });
  }
  if (msg.op === "forget") {
    return serial(name, async () => {
      const svc = services.get(name);
      if (!svc) return null;
      await stop(svc);
      services.delete(name);
      closeLog(name);
      for (const stream of ["stdout", "stderr"]) rmSync(join(runDir, `${name}.${stream}`), { force: true });
      persist();
      broadcast({ event: "removed", name });
      return null;
    });
  }
  throw new Error(`unknown operation ${JSON.stringify(msg.op)}`);
}

/** Ends the supervisor once it supervises nothing and nobody is connected (the appliance starts one when needed). */
function endIfIdle() {
  if (clients.size || services.size || ending) return;
  rmSync(SOCKET, { force: true });
  rmSync(PID_FILE, { force: true });
  process.exit(0);
}

/** Serves one connection of the appliance. */
function serve(sock) {
  clients.add(sock);
  sock.setEncoding("utf8");
  sock.on("close", () => {
    clients.delete(sock);
    endIfIdle();
  });
  sock.on("error", ignore);
  sock.write(`${JSON.stringify({ event: "hello", pid: process.pid, services: [...services.values()].map((s) => s.status) })}\n`);
  let buf = "";
  sock.on("data", (text) => {
    buf += text;
    if (buf.length > 1 << 22) return void sock.destroy();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return void sock.destroy();
      }
      Promise.resolve()
        .then(() => handle(msg))
        .then(
          (result) => sock.write(`${JSON.stringify({ id: msg.id, ok: true, result })}\n`),
          (e) => sock.write(`${JSON.stringify({ id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e) })}\n`),
        );
    }
  });
}

/** Takes over the services of a previous supervisor from state.json. */
function takeOver() {
  let state;
  try {
    state = JSON.parse(readFileSync(STATE_FILE, "utf8"));
  } catch {
    return;
  }
  for (const [name, saved] of Object.entries(state.services ?? {})) {
    const svc = { ...record(saved.spec), desired: saved.desired, status: saved.status, quickCrashes: saved.quickCrashes ?? 0 };
    services.set(name, svc);
    const { pid, startTicks: ticks } = svc.status;
    if (pid && ticks && startTicks(pid) === ticks) {
      svc.run = {};
      readOutput(svc.spec, "stdout");
      readOutput(svc.spec, "stderr");
      log(svc.spec, "supervisor", `supervisor ${process.pid} took over ${name} (pid ${pid})`);
      watch(svc, 500);
      if (svc.desired === "stopped") void serial(name, () => stop(svc)); // a stop the previous supervisor did not finish
    } else if (svc.desired === "running" && svc.status.state === "running") {
      svc.run = {};
      ended(svc, svc.run, { code: null, signal: null, unknown: true });
    } else if (svc.desired === "running" && svc.status.state === "backoff") start(svc);
  }
  persist();
}

/** True when a supervisor already answers on the socket. */
function answers() {
  return new Promise((resolve) => {
    const s = connect(SOCKET, () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
  });
}

let ending = false;
/** SIGTERM: stops every service, then ends. */
async function end(server) {
  if (ending) return;
  ending = true;
  server.close();
  broadcast({ event: "bye" }); // stopped on purpose (a shutdown): the appliance does not start another one by itself
  await Promise.all([...services.values()].map((s) => serial(s.spec.name, () => stop(s))));
  rmSync(SOCKET, { force: true });
  rmSync(PID_FILE, { force: true });
  process.exit(0);
}

if (await answers()) process.exit(0); // one supervisor per run directory
rmSync(SOCKET, { force: true });
writeFileSync(PID_FILE, `${process.pid}\n`);
takeOver();
const server = createServer(serve);
server.listen(SOCKET);
process.on("SIGTERM", () => void end(server));
process.on("SIGINT", () => void end(server));
process.on("SIGHUP", ignore);
