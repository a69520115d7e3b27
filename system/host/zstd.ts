// zstd through the `zstd` command (Node 20's zlib has no zstd): a duplex stream in, compressed or plain bytes out.
import { spawn } from "node:child_process";
import { Duplex } from "node:stream";
import { AppError } from "../errors";

/** A stream that compresses (`-3`, all cores) or decompresses with the zstd command; its failures name the cause. */
export function zstdStream(mode: "compress" | "decompress"): Duplex {
  const child = spawn("zstd", mode === "compress" ? ["-q", "-c", "-3", "-T0"] : ["-q", "-d", "-c"], { stdio: ["pipe", "pipe", "pipe"] });
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  child.stdin.on("error", () => undefined); // EPIPE when zstd exits early; the exit status below says why
  child.on("error", (cause) => duplex.destroy(new AppError("UNAVAILABLE", `cannot run zstd: ${cause.message}`, { cause })));
  child.on("close", (code) => {
    if (code === 0) return;
    const msg = stderr.trim().split("\n").at(-1) ?? `exit ${code}`;
    const reason = /premature|truncat|unexpected end/i.test(msg) ? "truncated" : "corrupt";
    duplex.destroy(new AppError("INTEGRITY_FAILED", reason === "truncated" ? `truncated: the zstd stream ends early (${msg})` : `corrupt: the zstd stream is damaged (${msg})`, { details: { reason } }));
  });
  return duplex;
}
