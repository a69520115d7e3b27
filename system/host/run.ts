// Running a host command: argv only (never a shell), a timeout, bounded output, and failures as AppErrors that name
// the command and say what it printed.
import { execFile } from "node:child_process";
import { AppError } from "../errors";

/** What a finished command printed. */
export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Options for run(). */
export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs `command` with `args`; UNAVAILABLE when it is not installed, IO_FAILED when it fails or times out. */
export function run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, env: opts.env, cwd: opts.cwd, encoding: "utf8" }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr });
      const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
      if (e.code === "ENOENT") return reject(new AppError("UNAVAILABLE", `${command} is not installed`, { cause: error }));
      const why = e.killed ? `timed out after ${opts.timeoutMs ?? 60_000} ms` : `exited with ${e.code}`;
      const said = stderr.trim().split("\n").slice(-3).join(" / ");
      reject(new AppError("IO_FAILED", `${command} ${why}${said ? `: ${said}` : ""}`, { cause: error, details: { command, args: [...args] } }));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
