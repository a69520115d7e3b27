// `npm start`: build when the sources changed since the last build, then run the appliance with the V8 flags that
// keep it small on a 1 GB node (server/node-flags.json; the image's systemd unit uses the same list).
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" };
execFileSync(process.execPath, [join(root, "scripts/build.mjs"), "--if-needed"], { stdio: "inherit", cwd: root, env });
const flags = JSON.parse(readFileSync(join(root, "server/node-flags.json"), "utf8"));
const child = spawn(process.execPath, [...flags, join(root, "dist/server.mjs"), ...process.argv.slice(2)], { stdio: "inherit", cwd: root, env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
