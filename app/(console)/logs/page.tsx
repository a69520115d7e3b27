"use client";
// Logs: the appliance's own log and the system journal, filtered by source, level and text, and followed live.
import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useId, useRef, useState } from "react";
import { Badge } from "~/components/badge";
import { Button } from "~/components/button";
import { EmptyState } from "~/components/empty-state";
import { QueryError } from "~/components/error-state";
import { inputClass } from "~/components/field";
import { Icon } from "~/components/icons";
import { PageHeader } from "~/components/page-header";
import { Skeleton } from "~/components/skeleton";
import { useTRPC, type RouterOutputs } from "~/components/trpc";
import { useDebounced } from "~/components/use-debounced";

type Entry = RouterOutputs["logs"]["read"]["entries"][number];
type Level = "debug" | "info" | "warn" | "error";
const SOURCES = [
  ["all", "All"],
  ["appliance", "Appliance"],
  ["system", "System journal"],
  ["network", "Network"],
] as const;
const LEVEL_TONES = { debug: "neutral", info: "info", warn: "warning", error: "danger" } as const;
/** Most lines the page keeps while following. */
const MAX_LINES = 2000;

/** The logs page. */
export default function LogsPage() {
  const trpc = useTRPC();
  const [source, setSource] = useState("all");
  const [level, setLevel] = useState<Level | "">("");
  const [text, setText] = useState("");
  const [follow, setFollow] = useState(true);
  const grep = useDebounced(text.trim(), 300);
  const filter = { source, grep: grep || undefined, level: level || undefined };
  const read = useQuery(trpc.logs.read.queryOptions({ ...filter, lines: 500 }, { refetchOnWindowFocus: false }));
  const [lines, setLines] = useState<Entry[]>([]);
  useEffect(() => {
    if (read.data) setLines(read.data.entries);
  }, [read.data]);
  const live = useSubscription(
    trpc.logs.follow.subscriptionOptions(filter, {
      enabled: follow && read.isSuccess,
      onData: (e) => setLines((l) => (l.length >= MAX_LINES ? [...l.slice(l.length - MAX_LINES + 1), e] : [...l, e])),
    }),
  );
  const bottom = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (follow) bottom.current?.scrollIntoView({ block: "nearest" });
  }, [lines, follow]);
  const ids = { source: useId(), level: useId(), text: useId() };

  return (
    <>
      <PageHeader
        title="Logs"
        description="The appliance's own log and, on a node, the systemd journal. maculaos logs prints the same."
        actions={
          <span className="inline-flex items-center gap-1.5 text-xs text-zinc-500 dark:text-zinc-400" role="status">
            <span aria-hidden="true" className={`size-2 rounded-full ${!follow ? "bg-zinc-400" : live.status === "error" ? "bg-amber-500" : "bg-emerald-500"}`} />
            {!follow ? "Paused" : live.status === "error" ? "Reconnecting" : "Following"}
          </span>
        }
      />
      <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-end" role="search" aria-label="Filter logs">
        <div>
          <label htmlFor={ids.source} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
            Source
          </label>
          <select id={ids.source} value={source} onChange={(e) => setSource(e.target.value)} className={`${inputClass} mt-1.5 h-10 pr-8 sm:w-44`}>
            {SOURCES.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.level} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
            Level
          </label>
          <select id={ids.level} value={level} onChange={(e) => setLevel(e.target.value as Level | "")} className={`${inputClass} mt-1.5 h-10 pr-8 sm:w-36`}>
            <option value="">All</option>
            <option value="info">Info and above</option>
            <option value="warn">Warnings and errors</option>
            <option value="error">Errors</option>
          </select>
        </div>
        <div className="flex-1">
          <label htmlFor={ids.text} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
            Text
          </label>
          <div className="relative mt-1.5">
            <Icon name="search" className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-zinc-400" />
            <input id={ids.text} type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="unit or message contains…" autoComplete="off" spellCheck={false} className={`${inputClass} h-10 pl-9`} />
          </div>
        </div>
        <Button variant={follow ? "secondary" : "primary"} onClick={() => setFollow(!follow)} aria-pressed={follow} className="h-10">
          {follow ? "Pause" : "Follow live"}
        </Button>
      </div>
      {read.data?.notes.map((n) => (
        <p key={n} className="mb-2 text-sm text-zinc-600 dark:text-zinc-400">
          {n}
        </p>
      ))}
      {read.isPending ? (
        <Skeleton className="h-96 w-full" />
      ) : read.isError ? (
        <QueryError title="Could not read the logs" query={read} />
      ) : lines.length === 0 ? (
        <EmptyState title="No log lines match" description={follow ? "New lines that match will appear here as they are written." : "Change the filters, or follow live."} />
      ) : (
        <div className="max-h-[65vh] overflow-auto rounded-xl border border-zinc-200 bg-white font-mono text-xs shadow-sm dark:border-zinc-800 dark:bg-zinc-950" data-testid="log-lines" tabIndex={0} aria-label="Log lines, oldest first">
          <ol className="divide-y divide-zinc-100 dark:divide-zinc-900">
            {lines.map((e, i) => (
              <li key={`${e.at}-${i}`} className="flex gap-3 px-3 py-1.5">
                <time dateTime={e.at} className="shrink-0 text-zinc-500 dark:text-zinc-500">
                  {e.at.replace("T", " ").slice(0, 19)}
                </time>
                <Badge tone={LEVEL_TONES[e.level]} className="h-5 shrink-0 uppercase">
                  {e.level}
                </Badge>
                <span className="shrink-0 text-brand-700 dark:text-brand-300">{e.unit}</span>
                <span className="min-w-0 break-words whitespace-pre-wrap text-zinc-800 dark:text-zinc-200">{e.message}</span>
              </li>
            ))}
          </ol>
          <div ref={bottom} />
        </div>
      )}
    </>
  );
}
