"use client";
// A compact list of audit events (who did what, when, and how it went).
import { OutcomeBadge } from "./badge";
import { RelativeTime } from "./relative-time";
import type { RouterOutputs } from "./trpc";

/** One event as returned by events.list. */
export type EventItem = RouterOutputs["events"]["list"]["events"][number];

/** Events newest first, each with outcome, action, target, actor and relative time; `showDetail` adds each detail line. */
export function EventList({ events, now, showDetail = false }: { events: EventItem[]; now: number; showDetail?: boolean }) {
  return (
    <ol className="divide-y divide-zinc-200 dark:divide-zinc-800">
      {events.map((e) => (
        <li key={e.id} className="flex flex-col gap-1 py-3 first:pt-0 last:pb-0 sm:flex-row sm:items-center sm:gap-3">
          <div className="flex min-w-0 flex-1 items-center gap-2">
            <OutcomeBadge outcome={e.outcome} />
            <p className="min-w-0 truncate text-sm">
              <span className="font-medium text-zinc-900 dark:text-zinc-100">{e.action}</span>
              {e.target && <span className="text-zinc-600 dark:text-zinc-400"> · {e.target}</span>}
              {showDetail && e.detail && <span className="block truncate text-zinc-600 sm:whitespace-normal dark:text-zinc-400">{e.detail}</span>}
            </p>
          </div>
          <p className="flex shrink-0 gap-2 text-xs text-zinc-500 dark:text-zinc-400">
            <span>by {e.actor}</span>
            <RelativeTime at={e.at} now={now} />
          </p>
        </li>
      ))}
    </ol>
  );
}
