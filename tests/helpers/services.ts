// Test fixtures for the service manager: Debian's docker-registry on loopback, images built with umoci from a static
// busybox (one base layout per test file) and pushed with skopeo, OTP releases built with Debian's Erlang (systools),
// and script releases.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** A running docker-registry with basic auth (htpasswd). */
export interface Registry {
  host: string;
  storage: string;
  user: string;
  password: string;
  stop(): Promise<void>;
}

/** Starts Debian's docker-registry on 127.0.0.1 with basic auth, storing under `dir`. */
export async function startRegistry(dir: string): Promise<Registry> {
  const port = await freePort();
  const storage = join(dir, "registry");
  await mkdir(storage, { recursive: true });
  const user = "deployer";
  const password = `pw-${process.pid}`;
  await run("htpasswd", ["-Bbc", join(dir, "htpasswd"), user, password]);
  await writeFile(join(dir, "registry.yml"), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\nauth:\n  htpasswd:\n    realm: maculaos-test\n    path: ${join(dir, "htpasswd")}\n`);
  const proc: ChildProcess = spawn("docker-registry", ["serve", join(dir, "registry.yml")], { stdio: "ignore" });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.status === 401, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, storage, user, password, stop: async () => void proc.kill("SIGTERM") };
}

/** What to put in a test image. */
export interface ImageSpec {
  /** The shell script /run.sh the image runs with busybox sh. */
  script: string;
  arch?: string;
  files?: Record<string, string | Buffer>;
  volumes?: string[];
  /** More layers on top, in order: files to add, and paths to delete (whiteouts). */
  layers?: Array<{ files?: Record<string, string | Buffer>; remove?: string[] }>;
}

const bases = new Map<string, Promise<{ layout: string; bundle: string }>>();

/** An OCI layout under `work` holding `base` (a static busybox) and that image unpacked, made once per work directory. */
function baseImage(work: string): Promise<{ layout: string; bundle: string }> {
  let base = bases.get(work);
  if (!base) {
    base = (async () => {
      const layout = join(work, "layout");
      const bundle = join(work, "layout-bundle");
      await run("umoci", ["init", "--layout", layout]);
      await run("umoci", ["new", "--image", `${layout}:base`]);
      await run("umoci", ["unpack", "--image", `${layout}:base`, bundle]);
      const rootfs = join(bundle, "rootfs");
      await mkdir(join(rootfs, "bin"), { recursive: true });
      await copyFile("/bin/busybox", join(rootfs, "bin/busybox"));
      await chmod(join(rootfs, "bin/busybox"), 0o755);
      for (const l of ["sh", "sleep", "cat", "echo", "httpd", "ls"]) await symlink("busybox", join(rootfs, "bin", l));
      await run("umoci", ["repack", "--image", `${layout}:base`, bundle]);
      await run("umoci", ["unpack", "--image", `${layout}:base`, `${bundle}-clean`]); // repack leaves the bundle's state behind
      return { layout, bundle: `${bundle}-clean` };
    })();
    bases.set(work, base);
  }
  return base;
}

/** Writes `files` (path -> content; *.sh executable) into the root file system `rootfs`. */
async function addFiles(rootfs: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [p, text] of Object.entries(files)) {
    await mkdir(join(rootfs, p, ".."), { recursive: true });
    await writeFile(join(rootfs, p), text, { mode: p.endsWith(".sh") ? 0o755 : 0o644 });
  }
}

/** Builds an image with umoci on the shared busybox base (one more layer with /run.sh and the files, then the
 * extra layers) and pushes it with skopeo; returns its manifest digest. */
export async function buildImage(work: string, registry: Registry, ref: string, spec: ImageSpec): Promise<string> {
  const { layout, bundle } = await baseImage(work);
  const tag = createHash("sha1").update(ref + (spec.arch ?? "")).digest("hex").slice(0, 12);
  const mine = join(work, `bundle-${tag}`);
  await run("cp", ["-a", "--", bundle, mine]);
  await addFiles(join(mine, "rootfs"), { "run.sh": spec.script, ...spec.files });
  await run("umoci", ["repack", "--image", `${layout}:${tag}`, mine]);
  for (const [i, layer] of (spec.layers ?? []).entries()) {
    const next = `${mine}-${i + 1}`;
    await run("umoci", ["unpack", "--image", `${layout}:${tag}`, next]);
    await addFiles(join(next, "rootfs"), layer.files ?? {});
    for (const path of layer.remove ?? []) await rm(join(next, "rootfs", path), { recursive: true });
    await run("umoci", ["repack", "--image", `${layout}:${tag}`, next]);
  }
  const config = ["config", "--image", `${layout}:${tag}`, "--config.entrypoint", "/bin/sh", "--config.cmd", "/run.sh", "--config.env", "GREETING=from-image", "--config.workingdir", "/"];
  if (spec.arch) config.push("--architecture", spec.arch);
  for (const v of spec.volumes ?? []) config.push("--config.volume", v);
  await run("umoci", config);
  await run("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", `${registry.user}:${registry.password}`, `oci:${layout}:${tag}`, `docker://${registry.host}/${ref}`]);
  const { stdout } = await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "--creds", `${registry.user}:${registry.password}`, `docker://${registry.host}/${ref}`]);
  return `sha256:${createHash("sha256").update(stdout).digest("hex")}`;
}

/** Pushes an OCI image index of `entries` (digest, architecture) as `repo:tag`. */
export async function pushIndex(registry: Registry, repo: string, tag: string, entries: Array<{ digest: string; arch: string; size: number }>): Promise<void> {
  const index = { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: entries.map((e) => ({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: e.digest, size: e.size, platform: { os: "linux", architecture: e.arch } })) };
  const res = await fetch(`http://${registry.host}/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    headers: { "content-type": "application/vnd.oci.image.index.v1+json", authorization: `Basic ${Buffer.from(`${registry.user}:${registry.password}`).toString("base64")}` },
    body: JSON.stringify(index),
  });
  if (res.status !== 201) throw new Error(`pushing the index failed: ${res.status} ${await res.text()}`);
}

/** The size of a manifest in the registry. */
export async function manifestSize(registry: Registry, repo: string, ref: string): Promise<number> {
  const { stdout } = await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "--creds", `${registry.user}:${registry.password}`, `docker://${registry.host}/${repo}:${ref}`]);
  return Buffer.byteLength(stdout);
}

/** Builds a real OTP release of an application `hello` (version `vsn`) with Debian's Erlang and systools, erts included. */
export async function buildOtpRelease(work: string, vsn: string): Promise<string> {
  const app = join(work, "otp", "hello");
  await mkdir(join(app, "ebin"), { recursive: true });
  await writeFile(join(app, "hello.erl"), `-module(hello).\n-behaviour(application).\n-export([start/2, stop/1, loop/0]).\nstart(_, _) -> Pid = spawn_link(fun loop/0), io:format("hello from OTP ~s in realm ~s~n", ["${vsn}", os:getenv("MACULA_REALM", "none")]), {ok, Pid}.\nstop(_) -> ok.\nloop() -> receive stop -> ok after 1000 -> loop() end.\n`);
  await writeFile(join(app, "ebin/hello.app"), `{application, hello, [{description, "test"}, {vsn, "${vsn}"}, {modules, [hello]}, {registered, []}, {applications, [kernel, stdlib]}, {mod, {hello, []}}]}.\n`);
  await run("erlc", ["-o", join(app, "ebin"), join(app, "hello.erl")]);
  const script = `Erts = erlang:system_info(version), Apps = [{A, V} || {A, _, V} <- application:loaded_applications(), lists:member(A, [kernel, stdlib])], ok = file:write_file("hello.rel", io_lib:format("~p.~n", [{release, {"hello", "${vsn}"}, {erts, Erts}, Apps ++ [{hello, "${vsn}"}]}])), {ok, _, _} = systools:make_script("hello", [silent, {path, ["hello/ebin"]}]), {ok, _, _} = systools:make_tar("hello", [silent, {erts, code:root_dir()}, {path, ["hello/ebin"]}]), halt().`;
  await run("erl", ["-noshell", "-eval", script], { cwd: join(work, "otp") });
  return join(work, "otp", "hello.tar.gz");
}

/** Builds a script release tarball: bin/<name> (rebar3-style, run with `foreground`), releases/<vsn>/<name>.rel, and maculaos.yaml. */
export async function buildScriptRelease(work: string, name: string, vsn: string, script: string, manifest = "", files: Record<string, string> = {}): Promise<string> {
  const dir = join(work, `rel-${name}-${vsn}`, name);
  await mkdir(join(dir, "bin"), { recursive: true });
  await mkdir(join(dir, "releases", vsn), { recursive: true });
  await writeFile(join(dir, "bin", name), `#!/bin/sh\n# rebar3-style start script\n[ "$1" = foreground ] || { echo "usage: $0 foreground"; exit 2; }\n${script}\n`, { mode: 0o755 });
  await writeFile(join(dir, "releases", vsn, `${name}.rel`), `{release, {"${name}", "${vsn}"}, {erts, "13.1.5"}, []}.\n`);
  await writeFile(join(dir, "releases/start_erl.data"), `13.1.5 ${vsn}\n`);
  if (manifest) await writeFile(join(dir, "maculaos.yaml"), manifest);
  for (const [p, text] of Object.entries(files)) {
    await mkdir(join(dir, p, ".."), { recursive: true });
    await writeFile(join(dir, p), text);
  }
  const file = join(work, `${name}-${vsn}.tar.gz`);
  await run("tar", ["-czf", file, "-C", join(work, `rel-${name}-${vsn}`), name]);
  return file;
}

/** The pid of the service supervisor of the device at `root`, found by its process title (null when none runs). */
export async function supervisorPid(root: string): Promise<number | null> {
  const title = `maculaos-supervisor ${join(root, "run/maculaos/services")}`;
  for (const pid of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.replace(/\0+$/, "") === title) return Number(pid);
  }
  return null;
}

/** Stops the service supervisor of the device at `root` and with it every service (cleanup after a test, whatever
 * state it left, even after the root was removed). */
export async function stopSupervisors(root: string): Promise<void> {
  const pid = await supervisorPid(root);
  if (!pid) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 300 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 50));
}

/** Polls `fn` every 100 ms until it returns something truthy, which it returns; fails after `ms` naming `what`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
