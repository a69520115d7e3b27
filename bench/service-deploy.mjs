// Deploy of a 50 MB image from a loopback docker-registry: our pull + verify + unpack (until the deploy job starts the
// service) against `skopeo copy` + `umoci unpack` of the same image, in the same run, three rounds in turn. Target: at
// most 1.2x.
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

  /** skopeo copy + umoci unpack of the image, in seconds. */
  const baseline = (round) => {
    const t0 = performance.now();
    run("skopeo", ["copy", "--quiet", "--src-tls-verify=false", `docker://${host}/bench:v1`, `oci:${join(work, `base-${round}`)}:v1`]);
    run("umoci", ["unpack", "--image", `${join(work, `base-${round}`)}:v1`, join(work, `base-bundle-${round}`)]);
    return (performance.now() - t0) / 1000;
  };
  /** Our deploy of the image, in seconds from the job's start until it starts the service; then it is removed. */
  const ours = async () => {
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
    return pulled;
  };

  app = await startAppliance({ args: ["--api-only"] });
  await new Promise((r) => setTimeout(r, 2000)); // let the appliance's own start settle: a deploy lands on a running node
  // three rounds, each side in turn, so a burst of load elsewhere hits both
  const ratios = [];
  for (let round = 1; round <= 3; round++) {
    const b = baseline(round);
    const o = await ours();
    ratios.push(o / b);
    console.log(`round ${round}: ours ${o.toFixed(2)} s (pull + verify + unpack of a 50 MB image, the deploy job from its start until it starts the service), baseline skopeo copy + umoci unpack ${b.toFixed(2)} s: ${(o / b).toFixed(2)}x`);
  }
  const median = [...ratios].sort((a, b) => a - b)[1] ?? NaN;
  console.log(`ratio: median ${median.toFixed(2)}x of ${ratios.map((r) => r.toFixed(2)).join(", ")} (target <= 1.2x)`);
} finally {
  await app?.stop();
  registry.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
