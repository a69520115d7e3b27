// Generates the Prisma client offline. Prisma 7's CLI wants a schema-engine binary for every command even though
// `generate` never runs it; pointing PRISMA_SCHEMA_ENGINE_BINARY at an existing file stops the download attempt.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const engine = process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? "/bin/true";
if (!existsSync(engine)) throw new Error(`PRISMA_SCHEMA_ENGINE_BINARY ${engine} does not exist`);
execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "generate"], {
  stdio: "inherit",
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: engine, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
});
