// Builds the appliance: the Prisma client, the server and CLI bundles (esbuild) and the Next.js pages.
// `--if-needed` skips the build when the sources have not changed since the last one (a hash in dist/.build-hash).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCES = ["app", "components", "server", "system", "cli", "prisma", "public", "package.json", "package-lock.json", "next.config.mjs", "postcss.config.mjs", "tsconfig.json"];
const stampFile = join(root, "dist/.build-hash");

function* files(path) {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) if (name !== "generated") yield* files(join(path, name));
  } else yield path;
}

function sourceHash() {
  const h = createHash("sha256");
  for (const s of SOURCES) for (const f of files(join(root, s))) h.update(relative(root, f)).update("\0").update(readFileSync(f));
  return h.digest("hex");
}

const hash = sourceHash();
if (process.argv.includes("--if-needed") && existsSync(stampFile) && readFileSync(stampFile, "utf8") === hash && existsSync(join(root, ".next/BUILD_ID"))) {
  console.log("build: up to date");
  process.exit(0);
}

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
if (!existsSync(join(root, "system/db/generated/client.ts"))) execFileSync(process.execPath, [join(root, "scripts/prisma-generate.mjs")], { stdio: "inherit", cwd: root, env });

mkdirSync(join(root, "dist"), { recursive: true });
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  alias: { "~": root },
  sourcemap: "linked",
  logLevel: "warning",
  define: { __VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version) },
};
// The server keeps node_modules external (Next and Prisma load their own files); the CLI bundles everything so
// it starts in about a quarter of a second.
await build({ ...common, entryPoints: [join(root, "server/main.ts")], outfile: join(root, "dist/server.mjs"), packages: "external" });
// The backup reader's worker thread (system/backup/extract.ts finds it beside the server bundle).
await build({ ...common, entryPoints: [join(root, "system/backup/extract-worker.ts")], outfile: join(root, "dist/extract-worker.mjs"), packages: "external" });
for (const [entry, out] of [["cli/main.ts", "dist/cli.mjs"], ["cli/release.ts", "dist/release.mjs"]]) {
  await build({
    ...common,
    entryPoints: [join(root, entry)],
    outfile: join(root, out),
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
}
// The service supervisor runs as its own small node process: plain JavaScript, copied beside the server bundle.
copyFileSync(join(root, "system/host/supervisor.mjs"), join(root, "dist/supervisor.mjs"));
console.log("build: server, backup reader, CLI and service supervisor in dist/");

if (!process.argv.includes("--no-pages")) {
  execFileSync(process.execPath, [join(root, "node_modules/next/dist/bin/next"), "build"], { stdio: "inherit", cwd: root, env });
  writeFileSync(stampFile, hash);
}
