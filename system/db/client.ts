// Opens the appliance database: migrates it first (no Prisma CLI on a node), then hands out a Prisma client
// that talks to SQLite through better-sqlite3.
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import Database from "better-sqlite3";
import { AppError } from "../errors";
import { PrismaClient } from "./generated/client";
import { applyMigrations, readMigrations } from "./migrate";

/** The Prisma client type the system layer uses. */
export type Db = InstanceType<typeof PrismaClient>;

/** Migrates the SQLite database at `file` with the migrations in `migrationsDir`; returns the names applied. */
export function migrateDatabase(file: string, migrationsDir: string): string[] {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file);
  } catch (cause) {
    throw new AppError("IO_FAILED", `cannot open database ${file}: ${(cause as Error).message}`, { cause });
  }
  try {
    sqlite.pragma("journal_mode = WAL");
    sqlite.exec(DURABLE);
    return applyMigrations(sqlite, readMigrations(migrationsDir));
  } finally {
    sqlite.close();
  }
}

/** What every connection to the database runs first. better-sqlite3 builds SQLite with WAL's `synchronous` at NORMAL,
 * under which a power cut loses the last commits (QEMU showed it: a setup wizard completed a minute before the cut
 * was gone); FULL syncs the WAL at each commit, so what the API acknowledged survives. */
const DURABLE = "PRAGMA synchronous = FULL";

/** Prisma's better-sqlite3 adapter, with DURABLE run on every connection it opens (Prisma reconnects by itself after a
 * `$disconnect`, as restore and repair do). */
class DurableSqlite3 extends PrismaBetterSqlite3 {
  override async connect() {
    const adapter = await super.connect();
    await adapter.executeRaw({ sql: DURABLE, args: [], argTypes: [] });
    return adapter;
  }
}

/** Migrates then opens the database at `file`. */
export async function openDatabase(file: string, migrationsDir: string): Promise<{ db: Db; applied: string[] }> {
  const applied = migrateDatabase(file, migrationsDir);
  const db = new PrismaClient({ adapter: new DurableSqlite3({ url: `file:${file}`, timeout: 5000 }) });
  await db.$connect();
  return { db, applied };
}
