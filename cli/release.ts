// `maculaos-release`: make a release key pair, and sign an image into a channel directory that nodes update from.
//   maculaos-release keygen DIR
//   maculaos-release sign --key KEY --version V [--channel stable] [--arch x86_64] [--notes TEXT] IMAGE OUTDIR
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { generateReleaseKeys, manifestSchema, signManifest } from "~/system/update/release";

const USAGE = "usage: maculaos-release keygen DIR\n       maculaos-release sign --key KEY --version V [--channel stable] [--arch x86_64] [--notes TEXT] IMAGE OUTDIR";

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/** Runs the release tool with `argv`; returns the exit code. */
export async function main(argv: string[], out = (t: string) => process.stdout.write(`${t}\n`), err = (t: string) => process.stderr.write(`${t}\n`)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { key: { type: "string" }, version: { type: "string" }, channel: { type: "string", default: "stable" }, arch: { type: "string", default: "x86_64" }, notes: { type: "string", default: "" } } });
  } catch (e) {
    err(`maculaos-release: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  const v = parsed.values;
  try {
    if (command === "keygen" && rest.length === 1) {
      const dir = rest[0]!;
      const keys = generateReleaseKeys();
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "release.key"), keys.privateKey, { mode: 0o600, flag: "wx" });
      await writeFile(join(dir, "release.pub"), keys.publicKey, { flag: "wx" });
      out(`wrote ${join(dir, "release.key")} (keep it secret) and ${join(dir, "release.pub")} (copy it to a node's /etc/maculaos/keys/)`);
      return 0;
    }
    if (command === "sign" && rest.length === 2 && v.key && v.version) {
      const [image, outdir] = rest as [string, string];
      const name = `maculaos-${v.version}-${v.arch}.img`;
      const manifest = manifestSchema.parse({ version: v.version, channel: v.channel, arch: v.arch, size: (await stat(image)).size, sha256: await sha256(image), url: name, notes: v.notes });
      await mkdir(outdir, { recursive: true });
      if (resolve(image) !== resolve(outdir, name)) await copyFile(image, join(outdir, name));
      await writeFile(join(outdir, `${v.channel}.json`), signManifest(manifest, await readFile(v.key, "utf8")));
      out(`signed ${v.version} for ${v.channel}: ${join(outdir, `${v.channel}.json`)} and ${join(outdir, name)}`);
      return 0;
    }
    err(USAGE);
    return 2;
  } catch (e) {
    err(`maculaos-release ${command}: ${(e as Error).message}`);
    return 1;
  }
}
