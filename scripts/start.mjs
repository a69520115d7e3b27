// `npm start`: build when the sources changed since the last build, then run the appliance in this process.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.env.NEXT_TELEMETRY_DISABLED = "1";
process.env.NODE_ENV = "production";
execFileSync(process.execPath, [join(root, "scripts/build.mjs"), "--if-needed"], { stdio: "inherit", cwd: root });
await import(join(root, "dist/server.mjs"));
