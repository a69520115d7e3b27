// The event log: every state change writes who did what to which target, when, and how it ended.
import { EventEmitter } from "node:events";
import type { Db } from "../db/client";

/** What happened, as written to the log. */
export interface EventInput {
  actor: string;
  action: string;
  target: string;
  outcome: "ok" | "failed";
  detail?: string | null;
}

/** An event as stored. */
export interface EventRecord extends Required<EventInput> {
  id: number;
  at: Date;
}

/** Writes events and tells listeners about each new one. */
export class EventLog extends EventEmitter<{ event: [EventRecord] }> {
  constructor(private readonly db: Db) {
    super();
    this.setMaxListeners(0); // live followers (dashboards, alerts) each add one
  }

  /** Records one event and returns it. */
  async record(input: EventInput): Promise<EventRecord> {
    const row = await this.db.event.create({ data: { ...input, detail: input.detail ?? null } });
    const record = row as EventRecord;
    this.emit("event", record);
    return record;
  }

  /** The newest events first, up to `limit`, optionally filtered by action prefix. */
  async list(limit = 50, actionPrefix?: string): Promise<EventRecord[]> {
    return (await this.db.event.findMany({
      where: actionPrefix ? { action: { startsWith: actionPrefix } } : undefined,
      orderBy: { id: "desc" },
      take: Math.min(Math.max(limit, 1), 1000),
    })) as EventRecord[];
  }
}
