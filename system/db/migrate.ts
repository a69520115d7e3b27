// Applies prisma/migrations/*/migration.sql in order and records them in Prisma's own `_prisma_migrations` table,
// so a node needs no Prisma CLI or schema engine: the server migrates its database when it starts.
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "better-sqlite3";
import { AppError } from "../errors";

const LEDGER = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" TEXT PRIMARY KEY NOT NULL,
  "checksum" TEXT NOT NULL,
  "finished_at" DATETIME,
  "migration_name" TEXT NOT NULL,
  "logs" TEXT,
  "rolled_back_at" DATETIME,
  "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
  "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

/** One migration folder: its name and SQL. */
export interface Migration {
  name: string;
  sql: string;
}

/** Reads the migration folders under `dir`, sorted by name (their timestamp prefix). */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name, "migration.sql"), "utf8") }));
}

/** Applies the migrations the database has not seen, each in its own transaction; returns the names applied. */
export function applyMigrations(db: Database, migrations: Migration[]): string[] {
  db.exec(LEDGER);
  const done = new Map(
    (db.prepare(`SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`).all() as {
      migration_name: string;
      checksum: string;
    }[]).map((r) => [r.migration_name, r.checksum]),
  );
  const applied: string[] = [];
  for (const m of migrations) {
    const checksum = createHash("sha256").update(m.sql).digest("hex");
    const seen = done.get(m.name);
    if (seen !== undefined) {
      if (seen !== checksum) {
        throw new AppError("INTEGRITY_FAILED", `migration ${m.name} was changed after it was applied (checksum differs)`);
      }
      continue;
    }
    const run = db.transaction(() => {
      db.exec(m.sql);
      db.prepare(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 1)`,
      ).run(randomUUID(), checksum, new Date().toISOString(), m.name, new Date().toISOString());
    });
    try {
      run();
    } catch (cause) {
      throw new AppError("IO_FAILED", `migration ${m.name} failed: ${(cause as Error).message}`, { cause });
    }
    applied.push(m.name);
  }
  return applied;
}
