// Runs device commands (ip, nft, wg, systemctl, ...) as argv arrays, never through a shell. On a development device
// whose network is a namespace (see net-paths.ts), network commands run inside it with `ip netns exec`.
import { execFile } from "node:child_process";
import { AppError } from "../errors";

/** What a command printed and how it ended. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Options of one command. */
export interface RunOptions {
  /** Text written to the command's standard input. */
  input?: string;
  /** Run inside this network namespace (`ip netns exec NAME ...`). */
  netns?: string | null;
  timeoutMs?: number;
}

/** The argv that runs `cmd args` in `netns` when one is given. */
function argv(cmd: string, args: readonly string[], netns?: string | null): [string, string[]] {
  return netns ? ["ip", ["netns", "exec", netns, cmd, ...args]] : [cmd, [...args]];
}

/** Runs a command and returns its output whatever its exit code; throws UNAVAILABLE when it is not installed. */
export function runCommand(cmd: string, args: readonly string[], o: RunOptions = {}): Promise<CommandResult> {
  const [file, list] = argv(cmd, args, o.netns);
  return new Promise((resolve, reject) => {
    const child = execFile(file, list, { timeout: o.timeoutMs ?? 10_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const errno = (error as NodeJS.ErrnoException | null)?.code;
      if (errno === "ENOENT") return reject(new AppError("UNAVAILABLE", `${cmd} is not installed on this device`));
      if (error && (error as { killed?: boolean }).killed) return reject(new AppError("IO_FAILED", `${cmd} ${args.join(" ")} did not finish within ${o.timeoutMs ?? 10_000} ms`));
      resolve({ stdout, stderr, code: typeof errno === "number" ? errno : error ? 1 : 0 });
    });
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}

/** Runs a command and returns its standard output; a non-zero exit is IO_FAILED with the command's own message. */
export async function runChecked(cmd: string, args: readonly string[], o: RunOptions = {}): Promise<string> {
  const r = await runCommand(cmd, args, o);
  if (r.code !== 0) throw new AppError("IO_FAILED", `${cmd} ${args.join(" ")} failed: ${(r.stderr || r.stdout).trim() || `exit code ${r.code}`}`);
  return r.stdout;
}
