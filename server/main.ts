// The appliance's process entry: validate the environment, start, and shut down cleanly on SIGTERM/SIGINT.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { createLogger } from "~/system/logging/logger";
import { startAppliance } from "./app";
import { parseEnv } from "./env";

// Memory on a 1 GB node: compile Prisma's WebAssembly query compiler with V8's baseline compiler (Liftoff) only.
// TurboFan's optimised copy of that module costs about 70 MB of RSS for no gain on queries this small
// (bench/server-memory.mjs measures it). Set before the first query compiles the module.
setFlagsFromString("--liftoff-only");

const appDir = join(dirname(fileURLToPath(import.meta.url)), "..");
let env: ReturnType<typeof parseEnv>;
try {
  env = parseEnv();
} catch (error) {
  process.stderr.write(`maculaos: ${(error as Error).message}\n`);
  process.exit(2);
}
const log = createLogger("maculaos", env.MACULAOS_LOG_LEVEL);
const version = (JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")) as { version: string }).version;

try {
  const app = await startAppliance({ root: env.MACULAOS_ROOT, port: env.PORT, host: env.HOST, appDir, version, ui: process.argv.includes("--api-only") === false, env: process.env, log });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    await app.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
} catch (error) {
  log.error("the appliance could not start", { error });
  process.exit(1);
}
