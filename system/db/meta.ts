// Small JSON records in the Meta table (key -> value), for state that is one thing, not a table: the staged update,
// the update on trial, the last update check, the slots' versions.
import type { Db } from "./client";

/** Reads the JSON record at `key`, or null. */
export async function readMeta<T>(db: Db, key: string): Promise<T | null> {
  const row = await db.meta.findUnique({ where: { key } });
  return row ? (JSON.parse(row.value) as T) : null;
}

/** The write of `value` at `key` (an upsert), for running alone or inside a transaction. */
export function putMeta(db: Db, key: string, value: unknown) {
  const text = JSON.stringify(value);
  return db.meta.upsert({ where: { key }, create: { key, value: text }, update: { value: text } });
}

/** The removal of the record at `key` (if any), for running alone or inside a transaction. */
export function dropMeta(db: Db, key: string) {
  return db.meta.deleteMany({ where: { key } });
}
