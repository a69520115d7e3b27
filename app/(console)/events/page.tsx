"use client";
// Events: the audit log of every state change (who, what, target, outcome), filterable by text and outcome.
import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useId, useMemo, useState } from "react";
import { OutcomeBadge } from "~/components/badge";
import { Button } from "~/components/button";
import { DataTable, Td, TimeTd } from "~/components/data-table";
import { EmptyState } from "~/components/empty-state";
import { QueryError } from "~/components/error-state";
import { inputClass } from "~/components/field";
import { Icon } from "~/components/icons";
import { PageHeader } from "~/components/page-header";
import { Skeleton } from "~/components/skeleton";
import { useTRPC } from "~/components/trpc";
import { useNow } from "~/components/use-now";

const LIMIT = 500;
type Outcome = "all" | "ok" | "failed";

/** The events page. */
export default function EventsPage() {
  const trpc = useTRPC();
  const now = useNow();
  const events = useQuery(trpc.events.list.queryOptions({ limit: LIMIT }, { refetchInterval: 10_000 }));
  const [query, setQuery] = useState("");
  const [outcome, setOutcome] = useState<Outcome>("all");
  const deferred = useDeferredValue(query);
  const filterId = useId();
  const outcomeId = useId();

  const all = events.data?.events;
  const shown = useMemo(() => {
    if (!all) return [];
    const terms = deferred.trim().toLowerCase().split(/\s+/).filter(Boolean);
    return all.filter((e) => {
      if (outcome !== "all" && e.outcome !== outcome) return false;
      if (terms.length === 0) return true;
      const hay = `${e.actor} ${e.action} ${e.target} ${e.outcome} ${e.detail ?? ""}`.toLowerCase();
      return terms.every((t) => hay.includes(t));
    });
  }, [all, deferred, outcome]);

  const filtering = query.trim() !== "" || outcome !== "all";
  const clear = () => {
    setQuery("");
    setOutcome("all");
  };

  return (
    <>
      <PageHeader title="Events" description="Every change to this node: who did what, when, and how it went." />

      <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-end" role="search" aria-label="Search events">
        <div className="flex-1">
          <label htmlFor={filterId} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
            Filter
          </label>
          <div className="relative mt-1.5">
            <Icon name="search" className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-zinc-400" />
            <input
              id={filterId}
              type="search"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder="actor, action, target or detail"
              autoComplete="off"
              spellCheck={false}
              aria-controls="events-table"
              className={`${inputClass} h-10 pl-9`}
            />
          </div>
        </div>
        <div>
          <label htmlFor={outcomeId} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
            Outcome
          </label>
          <select
            id={outcomeId}
            value={outcome}
            onChange={(e) => setOutcome(e.target.value === "ok" ? "ok" : e.target.value === "failed" ? "failed" : "all")}
            className={`${inputClass} mt-1.5 h-10 pr-8 sm:w-36`}
          >
            <option value="all">All</option>
            <option value="ok">OK</option>
            <option value="failed">Failed</option>
          </select>
        </div>
      </div>

      <p role="status" className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
        {all ? (filtering ? `${shown.length} of ${all.length} events match` : `${all.length} ${all.length === 1 ? "event" : "events"}${all.length >= LIMIT ? ` (the latest ${LIMIT})` : ""}`) : ""}
      </p>

      {events.isPending ? (
        <div aria-busy="true" className="space-y-2 rounded-xl border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
          {Array.from({ length: 8 }, (_, i) => (
            <Skeleton key={i} className="h-8 w-full" />
          ))}
        </div>
      ) : events.isError ? (
        <QueryError title="Could not load events" query={events} />
      ) : events.data.events.length === 0 ? (
        <EmptyState title="No events yet" description="Sign-ins, settings changes, updates and other changes to this node will be listed here." />
      ) : shown.length === 0 ? (
        <EmptyState
          title="No events match"
          description={query.trim() ? `Nothing matches “${query.trim()}”${outcome !== "all" ? ` with outcome ${outcome}` : ""}.` : `No events with outcome ${outcome}.`}
          action={
            <Button variant="secondary" size="sm" onClick={clear}>
              Clear filter
            </Button>
          }
        />
      ) : (
        <div id="events-table">
          <DataTable caption="Events, newest first" data-testid="events-table" columns={["Time", "Actor", "Action", "Target", "Outcome", "Detail"]}>
            {shown.map((e) => (
              <tr key={e.id} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/50">
                <TimeTd at={e.at} now={now} />
                <Td className="whitespace-nowrap">{e.actor}</Td>
                <Td className="font-mono text-xs whitespace-nowrap">{e.action}</Td>
                <Td className="max-w-48 truncate">
                  <span title={e.target}>{e.target}</span>
                </Td>
                <Td>
                  <OutcomeBadge outcome={e.outcome} />
                </Td>
                <Td className="min-w-48 text-zinc-600 dark:text-zinc-400">{e.detail ?? <span aria-label="none">—</span>}</Td>
              </tr>
            ))}
          </DataTable>
        </div>
      )}
    </>
  );
}
