// Factory reset. A reset builds the new data state (a fresh, migrated database and, with
// --keep-network, a config.yaml holding only the network section) in a staging copy and swaps it in atomically like a
// restore. The fresh database has no setup state, so the wizard runs again with a new setup code.
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Document, parseDocument } from "yaml";
import { withDataLock } from "../backup/lock";
import { swapData } from "../backup/restore";
import { migrateDatabase } from "../db/client";
import { AppError } from "../errors";
import { writeFileAtomic } from "../host/atomic-write";
import { readTextIfExists } from "../host/files";
import { createStaging } from "../host/swap";
import { setupCode } from "../setup/setup";
import type { System } from "../system";
import { recoveryDir } from "./known-good";

/** The word a person types to confirm a factory reset (the CLI's --yes sends it). */
export const CONFIRM_WORD = "RESET";

/** The config.yaml text that keeps only the network section of `text` (comments of that section kept). */
export function networkOnly(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const doc = parseDocument(text);
  if (doc.errors.length || !doc.hasIn(["maculaos", "network"])) return undefined;
  const out = new Document({ maculaos: {} });
  out.setIn(["maculaos", "network"], doc.getIn(["maculaos", "network"], true));
  return out.toString();
}

/** What a factory reset did: the new setup code, whether the network config was kept, and what it could not do. */
export interface FactoryResult {
  mode: string;
  setupCode: string;
  keptNetwork: boolean;
  warning: string | null;
}

/** Wipes the data state (keeping the network config with `keepNetwork`; `full` also wipes known good copies, logs,
 * stored backups and the scheduled backups' passphrase file), re-arms the setup wizard and returns the new setup
 * code; refused (CONFLICT, naming it) while a backup, restore or repair holds the data lock. */
export async function factoryReset(sys: System, actor: string, o: { mode: "keep-network" | "full"; confirm: string }): Promise<FactoryResult> {
  if (o.confirm !== CONFIRM_WORD) throw new AppError("INVALID_INPUT", `a factory reset erases this node's data: confirm by typing ${CONFIRM_WORD}`);
  return withDataLock(sys, "a factory reset", "run a factory reset", () => reset(sys, actor, o.mode));
}

async function reset(sys: System, actor: string, mode: "keep-network" | "full"): Promise<FactoryResult> {
  const passphraseFile = sys.config.current().backup.passphrase_file;
  const staging = await createStaging(sys.paths);
  const network = mode === "keep-network" ? networkOnly(await readTextIfExists(sys.paths.config)) : undefined;
  try {
    migrateDatabase(join(staging, "maculaos.db"), sys.migrationsDir);
    if (network) await writeFile(join(staging, "config.yaml"), network, { mode: 0o600 });
    await swapData(sys, staging);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  let warning: string | null = null;
  if (mode === "full") {
    for (const dir of [recoveryDir(sys.paths), sys.paths.logDir, join(sys.root, "var/backups/maculaos"), join(sys.root, "var/cache/maculaos")]) await rm(dir, { recursive: true, force: true });
    await writeFileAtomic(sys.paths.hostname, "maculaos\n");
    // The scheduled backups' passphrase goes with everything else; one the reset cannot delete is said, not fatal.
    if (passphraseFile) {
      await rm(join(sys.root, passphraseFile), { force: true }).catch((e: NodeJS.ErrnoException) => (warning = `the backup passphrase file ${passphraseFile} could not be deleted (${e.code ?? e.message}): delete it by hand`));
    }
  }
  const code = await setupCode(sys);
  await sys.events.record({ actor, action: "recovery.factory", target: mode, outcome: "ok", detail: mode === "keep-network" ? `data wiped; network config ${network ? "kept" : "absent, defaults in force"}; setup wizard re-armed` : `everything wiped; setup wizard re-armed${warning ? `; ${warning}` : ""}` });
  return { mode: mode, setupCode: code, keptNetwork: Boolean(network), warning };
}
