// Release tarballs: an OTP release as `mix release` or `rebar3 tar` makes it (bin/<name>, releases/<vsn>/, erts-*),
// or a bare systools release (releases/<vsn>/start.boot and erts-*), with an optional maculaos.yaml that gives the
// name, version, command, env, ports, volumes and a health check. A release runs with the host's /usr and libraries
// but its own minimal /etc (releaseEtc).
import { lstat, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { AppError } from "../errors";

/** The optional maculaos.yaml of a release tarball. */
export const manifestSchema = z.strictObject({
  name: z.string().optional(),
  version: z.string().optional(),
  command: z.array(z.string()).min(1).optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  ports: z.array(z.number().int().min(1).max(65535)).optional(),
  volumes: z.array(z.string()).optional(),
  user: z.string().optional(),
  health: z
    .strictObject({
      http: z.url().optional(),
      tcp: z.string().regex(/^[^:]+:\d{1,5}$/).optional(),
      interval_seconds: z.number().int().min(1).max(3600).optional(),
      start_seconds: z.number().int().min(1).max(600).optional(),
    })
    .optional(),
  stop_timeout_seconds: z.number().int().min(1).max(600).optional(),
});

/** A parsed maculaos.yaml. */
export type ReleaseManifest = z.output<typeof manifestSchema>;

/** How a release runs, as found in the unpacked tree (paths inside the sandbox, where the release is /app). */
export interface DetectedRelease {
  name: string;
  version: string;
  type: "mix" | "rebar3" | "systools" | "command";
  argv: string[];
  env: Record<string, string>;
  manifest: ReleaseManifest;
}

const APP = "/app";
const isFile = (p: string) => lstat(p).then((s) => s.isFile(), () => false);
const list = (p: string) => readdir(p).catch(() => [] as string[]);

/** Reads and validates maculaos.yaml, if the release has one. */
async function readManifest(dir: string): Promise<ReleaseManifest> {
  const file = join(dir, "maculaos.yaml");
  if (!(await isFile(file))) return {};
  const parsed = manifestSchema.safeParse(parse(await readFile(file, "utf8")) ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new AppError("INVALID_INPUT", `maculaos.yaml: ${i?.path.join(".") || "(top)"}: ${i?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** The release's root inside the unpacked tree: the tree itself, or its single top directory. */
export async function releaseRoot(dir: string): Promise<string> {
  const top = await list(dir);
  if (top.length === 1 && !(await isFile(join(dir, top[0] ?? ""))) && !top.includes("bin")) return join(dir, top[0] ?? "");
  return dir;
}

/** Finds the release's name, version and how to run it in the foreground. `fallbackName` comes from the file name. */
export async function detectRelease(dir: string, fallbackName: string): Promise<DetectedRelease> {
  const manifest = await readManifest(dir);
  const startErl = (await isFile(join(dir, "releases/start_erl.data"))) ? (await readFile(join(dir, "releases/start_erl.data"), "utf8")).trim().split(/\s+/) : [];
  const versions = [];
  for (const v of await list(join(dir, "releases"))) if ((await list(join(dir, "releases", v))).some((f) => f.endsWith(".rel") || f === "start.boot")) versions.push(v);
  const version = manifest.version ?? startErl[1] ?? versions.sort().at(-1);
  const env: Record<string, string> = {};
  if (manifest.command) return { name: manifest.name ?? fallbackName, version: version ?? "0", type: "command", argv: manifest.command.map((a) => (a.startsWith("/") ? a : `${APP}/${a}`)), env, manifest };
  if (!version) throw new AppError("INVALID_INPUT", "not a release: no releases/<vsn>/ with a .rel or start.boot, and no command in maculaos.yaml");
  const relFiles = (await list(join(dir, "releases", version))).filter((f) => f.endsWith(".rel"));
  const bins = await list(join(dir, "bin"));
  const name = manifest.name ?? bins.find((b) => relFiles.includes(`${b}.rel`)) ?? relFiles[0]?.slice(0, -4) ?? bins.find((b) => !b.includes(".")) ?? fallbackName;
  if (bins.includes(name) && (await isFile(join(dir, "bin", name)))) {
    const script = await readFile(join(dir, "bin", name), "utf8");
    const mix = /start_iex|ELIXIR_ERL_OPTIONS|RELEASE_COMMAND/.test(script);
    return { name, version, type: mix ? "mix" : "rebar3", argv: [`${APP}/bin/${name}`, mix ? "start" : "foreground"], env, manifest };
  }
  const erts = (await list(dir)).find((d) => /^erts-\d/.test(d));
  if (!erts) throw new AppError("INVALID_INPUT", `release ${name}-${version} has neither bin/${name} nor an erts-* directory to run it with`);
  const boot = (await isFile(join(dir, "releases", version, "start.boot"))) ? "start" : relFiles[0]?.slice(0, -4);
  if (!boot || !(await isFile(join(dir, "releases", version, `${boot}.boot`)))) throw new AppError("INVALID_INPUT", `release ${name}-${version} has no boot script in releases/${version}/`);
  const bindir = `${APP}/${erts}/bin`;
  const config = (await isFile(join(dir, "releases", version, "sys.config"))) ? ["-config", `${APP}/releases/${version}/sys`] : [];
  return {
    name,
    version,
    type: "systools",
    argv: [`${bindir}/erlexec`, "-boot", `${APP}/releases/${version}/${boot}`, ...config, "-noshell", "-noinput"],
    env: { ROOTDIR: APP, BINDIR: bindir, EMU: "beam", PROGNAME: "erl", RELEASE_ROOT: APP },
    manifest,
  };
}

/** The uid and gid of a release's `user:` in maculaos.yaml: root (the default) or UID[:GID]. A release brings no
 * /etc/passwd to name other users in; its sandbox's passwd names the uid after the service. */
export function releaseUser(user: string | undefined): { uid: number; gid: number } {
  if (!user || user === "root") return { uid: 0, gid: 0 };
  const m = /^(\d{1,9})(?::(\d{1,9}))?$/.exec(user);
  if (!m) throw new AppError("INVALID_INPUT", `maculaos.yaml: user: expected root or a numeric UID[:GID] like 1000 or 1000:1000, not ${JSON.stringify(user)} (a release has no /etc/passwd of its own to name users in)`);
  return { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) };
}

/** Writes the release's own /etc under `rootfs`: passwd and group with root and the service's user, and
 * nsswitch.conf; hosts and resolv.conf are the host's, bound read-only when it starts. */
export async function releaseEtc(rootfs: string, name: string, uid: number, gid: number): Promise<void> {
  const etc = join(rootfs, "etc");
  await mkdir(etc, { recursive: true, mode: 0o755 });
  const passwd = ["root:x:0:0:root:/root:/bin/sh", ...(uid ? [`${name}:x:${uid}:${gid}:${name}:${APP}:/bin/sh`] : []), "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"];
  const group = ["root:x:0:", ...(gid ? [`${name}:x:${gid}:`] : []), "nogroup:x:65534:"];
  await writeFile(join(etc, "passwd"), `${passwd.join("\n")}\n`, { mode: 0o644 });
  await writeFile(join(etc, "group"), `${group.join("\n")}\n`, { mode: 0o644 });
  await writeFile(join(etc, "nsswitch.conf"), "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n", { mode: 0o644 });
}
