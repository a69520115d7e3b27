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
    return applyMigrations(sqlite, readMigrations(migrationsDir));
  } finally {
    sqlite.close();
  }
}

/** Migrates then opens the database at `file`. */
export async function openDatabase(file: string, migrationsDir: string): Promise<{ db: Db; applied: string[] }> {
  const applied = migrateDatabase(file, migrationsDir);
  const adapter = new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 5000 });
  const db = new PrismaClient({ adapter });
  await db.$connect();
  return { db, applied };
}
