// `maculaos backup FILE | list [FILE] | verify FILE` and `maculaos restore FILE`.
import { open, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { UsageError, type Command, type CommandContext } from "../command";
import { bytes, json } from "../format";
import { followJob } from "./jobs";

const PASS_ENV = "MACULAOS_BACKUP_PASSPHRASE";

/** Asks on the terminal without echo. */
async function askHidden(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
  let asked = false;
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => (asked ? undefined : ((asked = true), write(s)));
  const answer = await rl.question(question);
  rl.close();
  process.stderr.write("\n");
  return answer;
}

/** The passphrase from --passphrase-file, $MACULAOS_BACKUP_PASSPHRASE or the terminal (twice when making one). */
async function passphrase(flags: CommandContext["flags"], twice: boolean): Promise<string> {
  if (typeof flags["passphrase-file"] === "string") {
    const text = await readFile(flags["passphrase-file"], "utf8").catch((e: Error) => {
      throw new UsageError(`cannot read the passphrase file: ${e.message}`);
    });
    return text.replace(/\r?\n$/, "");
  }
  const env = process.env[PASS_ENV];
  if (env) return env;
  if (!process.stdin.isTTY) throw new UsageError(`a passphrase is needed: --passphrase-file FILE or ${PASS_ENV} (no terminal to ask on)`);
  const first = await askHidden("Passphrase: ");
  if (twice) {
    if ((await askHidden("Again, to be sure (without it the backup cannot be restored): ")) !== first) throw new UsageError("the two passphrases differ");
  }
  return first;
}

/** A FILE argument, made absolute from here (the local socket's server runs on the same node). */
function fileArg(arg: string | undefined, what: string): string {
  if (!arg) throw new UsageError(`${what} needs a FILE`);
  return resolve(arg);
}

/** True when the local file starts like an encrypted backup. */
async function looksEncrypted(file: string): Promise<boolean> {
  const fh = await open(file, "r").catch(() => null);
  if (!fh) return false;
  try {
    const b = Buffer.alloc(8);
    await fh.read(b, 0, 8, 0);
    return b.toString("latin1") === "MOSBKENC";
  } finally {
    await fh.close();
  }
}

const list = (v: unknown) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : undefined);

/** `maculaos backup`: write, list and verify backups. */
export const backup: Command = {
  name: "backup",
  usage: "maculaos backup FILE [--include PARTS] [--exclude PARTS] [--encrypt] [--passphrase-file F] [--no-verify] | backup list [FILE] | backup verify FILE",
  summary: "Back up the data state (config, database, service data) to a verified tar.gz (.tar.zst: zstd), optionally encrypted",
  options: { include: { type: "string" }, exclude: { type: "string" }, encrypt: { type: "boolean" }, "passphrase-file": { type: "string" }, "no-verify": { type: "boolean" } },
  async run(ctx) {
    const { api, args, flags, json: asJson, out } = ctx;
    const [first, second, ...rest] = args;
    if (rest.length) throw new UsageError("too many arguments");
    if (first === "list") {
      if (second) {
        const s = await api.backups.inspect.mutate({ file: fileArg(second, "backup list"), passphrase: process.env[PASS_ENV] });
        if (asJson) return out(json(s)), 0;
        out(`${s.header.hostname} ${s.header.version} ${s.header.createdAt}; parts ${s.header.parts.join(", ")}; ${s.files} files, ${bytes(s.bytes)}${s.encrypted ? "; encrypted" : ""}`);
        for (const [name, f] of Object.entries(s.manifest.files)) out(`${f.sha256.slice(0, 16)}  ${String(f.size).padStart(12)}  ${name}`);
        return 0;
      }
      const l = await api.backups.list.query();
      if (asJson) return out(json(l)), 0;
      out(`Backups in ${l.dir}`);
      out(l.lastGood ? `Last good backup: ${l.lastGood.at} (${l.lastGood.file})${l.stale ? " - older than a week, take one" : ""}` : "No good backup yet: take one with maculaos backup FILE");
      if (!l.backups.length) return out("(none)"), 0;
      for (const b of l.backups) out(`${b.name}  ${bytes(b.size)}  ${new Date(b.modifiedAt).toISOString()}  ${b.encrypted ? "encrypted" : b.header ? `${b.header.hostname} ${b.header.version}, ${b.header.files} files` : "not readable"}`);
      return 0;
    }
    if (first === "verify") {
      const file = fileArg(second, "backup verify");
      const pass = (await looksEncrypted(file)) || flags["passphrase-file"] ? await passphrase(flags, false) : undefined;
      const job = await api.backups.verify.mutate({ file, passphrase: pass });
      return followJob(ctx, job.id);
    }
    if (second !== undefined) throw new UsageError("backup takes one FILE");
    const file = fileArg(first, "backup");
    const pass = flags.encrypt ? await passphrase(flags, true) : undefined;
    const job = await api.backups.create.mutate({ file, include: list(flags.include), exclude: list(flags.exclude), passphrase: pass, verify: !flags["no-verify"] });
    return followJob(ctx, job.id);
  },
};

/** `maculaos restore FILE`: verify everything, then swap the backup's data in atomically. */
export const restore: Command = {
  name: "restore",
  usage: "maculaos restore FILE [--passphrase-file F] [--json]",
  summary: "Restore a backup: verify integrity, passphrase and free space, stage it, then swap it in atomically",
  options: { "passphrase-file": { type: "string" } },
  async run(ctx) {
    const { api, args, flags } = ctx;
    if (args.length !== 1) throw new UsageError("restore takes one FILE");
    const file = fileArg(args[0], "restore");
    const encrypted = (await looksEncrypted(file)) || Boolean(flags["passphrase-file"]);
    const pass = encrypted ? await passphrase(flags, false) : undefined;
    const job = await api.backups.restore.mutate({ file, passphrase: pass });
    return followJob(ctx, job.id);
  },
};
