// `npm run bench`: builds if needed, then runs every benchmark in bench/ (or those named) one after another.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
execFileSync(process.execPath, [join(root, "scripts/build.mjs"), "--if-needed"], { stdio: "inherit", cwd: root });
const wanted = process.argv.slice(2);
const benches = readdirSync(join(root, "bench")).filter((f) => f.endsWith(".mjs") && f !== "report.mjs" && (wanted.length === 0 || wanted.some((w) => f.includes(w))));
for (const b of benches.sort()) {
  console.log(`\n== ${b}`);
  execFileSync(process.execPath, [join(root, "bench", b)], { stdio: "inherit", cwd: root });
}
