// Deploy of a 50 MB image from a loopback docker-registry: our pull + verify + unpack (until the deploy job starts the
// service) against `skopeo copy` + `umoci unpack` of the same image, in the same run. Target: at most 1.2x.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, startAppliance } from "../scripts/lib/appliance-process.mjs";

const work = mkdtempSync(join(tmpdir(), "maculaos-bench-deploy-"));
const port = await new Promise((r) => { const s = createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
writeFileSync(join(work, "registry.yml"), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, "registry")}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
const registry = spawn("docker-registry", ["serve", join(work, "registry.yml")], { stdio: "ignore" });
const host = `127.0.0.1:${port}`;
for (let i = 0; i < 100 && !(await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
const run = (cmd, args, env = {}) => execFileSync(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }).toString();
let app;
try {
  // the image: a static busybox and 48 MiB of incompressible data in two layers
  const layout = join(work, "layout");
  const bundle = join(work, "bundle");
  run("umoci", ["init", "--layout", layout]);
  run("umoci", ["new", "--image", `${layout}:img`]);
  run("umoci", ["unpack", "--image", `${layout}:img`, bundle]);
  mkdirSync(join(bundle, "rootfs/bin"), { recursive: true });
  copyFileSync("/bin/busybox", join(bundle, "rootfs/bin/busybox"));
  symlinkSync("busybox", join(bundle, "rootfs/bin/sh"));
  run("umoci", ["repack", "--image", `${layout}:img`, bundle]);
  mkdirSync(join(bundle, "rootfs/data"), { recursive: true });
  for (let i = 0; i < 48; i++) writeFileSync(join(bundle, `rootfs/data/blob-${i}`), randomBytes(1 << 20));
  run("umoci", ["repack", "--image", `${layout}:img`, bundle]);
  run("umoci", ["config", "--image", `${layout}:img`, "--config.cmd", "/bin/sh", "--config.cmd", "-c", "--config.cmd", "exec sleep 1000"]);
  run("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", `oci:${layout}:img`, `docker://${host}/bench:v1`]);

  const t0 = performance.now();
  run("skopeo", ["copy", "--quiet", "--src-tls-verify=false", `docker://${host}/bench:v1`, `oci:${join(work, "base")}:v1`]);
  run("umoci", ["unpack", "--image", `${join(work, "base")}:v1`, join(work, "base-bundle")]);
  const baseline = (performance.now() - t0) / 1000;

  app = await startAppliance({ args: ["--api-only"] });
  let t1 = 0;
  let pulled = 0;
  const out = await new Promise((resolve, reject) => {
    const cli = spawn(join(REPO, "bin/maculaos"), ["deploy", `${host}/bench:v1`, "--json"], { env: { ...process.env, MACULAOS_ROOT: app.root } });
    let text = "";
    cli.stdout.on("data", (d) => {
      text += d;
      if (!t1) t1 = performance.now(); // the job exists: from here on it is the appliance's work
      if (!pulled && /"message":"starting bench"/.test(text)) pulled = (performance.now() - t1) / 1000;
    });
    cli.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`deploy failed: ${text}`))));
  });
  if (!pulled) throw new Error(`no progress seen: ${out}`);
  run(join(REPO, "bin/maculaos"), ["remove", "bench", "--purge"], { MACULAOS_ROOT: app.root });
  console.log(`ours: pull + verify + unpack of a 50 MB image (the deploy job, from its start until it starts the service): ${pulled.toFixed(2)} s`);
  console.log(`baseline in the same run: skopeo copy + umoci unpack: ${baseline.toFixed(2)} s`);
  console.log(`ratio: ${(pulled / baseline).toFixed(2)}x (target <= 1.2x)`);
} finally {
  await app?.stop();
  registry.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
