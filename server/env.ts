// The server's environment, validated once with zod: the only place that reads process.env for the appliance.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(9090),
  HOST: z.string().default("0.0.0.0"),
  MACULAOS_ROOT: z.string().optional(),
  MACULAOS_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
});

/** The validated server environment. */
export type ServerEnv = z.infer<typeof schema> & { MACULAOS_ROOT: string };

/** Parses `env`; MACULAOS_ROOT defaults to "/" on a MaculaOS node and to ./.device anywhere else. */
export function parseEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid environment: ${msg}`);
  }
  const root = parsed.data.MACULAOS_ROOT ?? (existsSync("/usr/lib/maculaos/node") ? "/" : "./.device");
  return { ...parsed.data, MACULAOS_ROOT: resolve(root) };
}
