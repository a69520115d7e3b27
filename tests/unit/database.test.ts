// The database migrates itself with no Prisma CLI: a fresh file, an older one, and a tampered migration history.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migrateDatabase, openDatabase } from "~/system/db/client";
import { REPO } from "../helpers/appliance";

const MIGRATIONS = join(REPO, "prisma/migrations");
/** Every migration of this build, in order (each issue may add its own). */
const ALL = readdirSync(MIGRATIONS).filter((d) => /^\d+_/.test(d)).sort();

describe("database", () => {
  it("migrates a fresh database and Prisma queries it", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "db-")), "m.db");
    const { db, applied } = await openDatabase(file, MIGRATIONS);
    expect(applied).toEqual(ALL);
    await db.user.create({ data: { username: "a", passwordHash: "x", role: "admin" } });
    await db.event.create({ data: { actor: "a", action: "test", target: "t", outcome: "ok" } });
    expect(await db.user.count()).toBe(1);
    expect((await db.event.findFirst())?.at).toBeInstanceOf(Date);
    // Every connection syncs the WAL at each commit (2 = FULL), also the one Prisma opens again after a $disconnect.
    const synchronous = async () => String((await db.$queryRawUnsafe<{ synchronous: bigint | number }[]>("PRAGMA synchronous"))[0]?.synchronous);
    expect(await synchronous()).toBe("2");
    await db.$disconnect();
    expect(await synchronous()).toBe("2");
    await db.$disconnect();
    const sqlite = new Database(file);
    expect(sqlite.prepare(`SELECT migration_name FROM _prisma_migrations ORDER BY migration_name`).all()).toEqual(ALL.map((migration_name) => ({ migration_name })));
    sqlite.close();
  });

  it("applies only the new migrations to an older database and keeps its rows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "db-"));
    const file = join(dir, "m.db");
    migrateDatabase(file, MIGRATIONS);
    const sqlite = new Database(file);
    sqlite.prepare(`INSERT INTO Meta (key, value) VALUES ('k', 'v')`).run();
    sqlite.close();
    const next = join(dir, "migrations");
    cpSync(MIGRATIONS, next, { recursive: true });
    mkdirSync(join(next, "20990101000000_add_note"));
    writeFileSync(join(next, "20990101000000_add_note/migration.sql"), `ALTER TABLE "Meta" ADD COLUMN "note" TEXT;`);
    expect(migrateDatabase(file, next)).toEqual(["20990101000000_add_note"]);
    expect(migrateDatabase(file, next)).toEqual([]);
    const after = new Database(file);
    expect(after.prepare(`SELECT key, value, note FROM Meta`).all()).toEqual([{ key: "k", value: "v", note: null }]);
    after.close();
  });

  it("refuses a migration that was edited after it was applied", () => {
    const dir = mkdtempSync(join(tmpdir(), "db-"));
    const file = join(dir, "m.db");
    const edited = join(dir, "migrations");
    cpSync(MIGRATIONS, edited, { recursive: true });
    migrateDatabase(file, edited);
    writeFileSync(join(edited, "20261125000000_init/migration.sql"), "-- changed\n");
    expect(() => migrateDatabase(file, edited)).toThrow(/20261125000000_init was changed/);
  });

  it("rolls back a failing migration whole", () => {
    const dir = mkdtempSync(join(tmpdir(), "db-"));
    const file = join(dir, "m.db");
    const broken = join(dir, "migrations");
    cpSync(MIGRATIONS, broken, { recursive: true });
    mkdirSync(join(broken, "20990101000000_broken"));
    writeFileSync(join(broken, "20990101000000_broken/migration.sql"), `CREATE TABLE "X" (id INTEGER);\nTHIS IS NOT SQL;`);
    expect(() => migrateDatabase(file, broken)).toThrow(/migration 20990101000000_broken failed/);
    const sqlite = new Database(file);
    expect(sqlite.prepare(`SELECT name FROM sqlite_master WHERE name = 'X'`).all()).toEqual([]);
    expect(sqlite.prepare(`SELECT count(*) AS n FROM _prisma_migrations`).get()).toEqual({ n: ALL.length });
    sqlite.close();
  });
});
