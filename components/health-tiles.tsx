"use client";
// The dashboard's health row: overall health, mesh connectivity, services, the update state and alerts, each a
// link to its detail on the Health page. States come from the real checks (health.report) and alerts.list.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Badge, type BadgeTone } from "./badge";
import { Skeleton } from "./skeleton";
import { useTRPC, type RouterOutputs } from "./trpc";

type Check = RouterOutputs["health"]["report"]["checks"][number];

/** The badge tone of a check state or an alert state. */
export const STATE_TONES: Record<string, BadgeTone> = { ok: "success", warn: "warning", fail: "danger", firing: "danger", pending: "warning", no_data: "neutral" };

function Tile({ title, href, state, headline, detail, loading }: { title: string; href: string; state?: string; headline?: string; detail?: string; loading: boolean }) {
  return (
    <Link
      href={href}
      className="block min-w-0 rounded-xl border border-zinc-200 bg-white p-4 shadow-sm transition hover:border-brand-400 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500 dark:border-zinc-800 dark:bg-zinc-900 dark:hover:border-brand-500"
      data-testid={`tile-${title.toLowerCase().replace(/\s+/g, "-")}`}
    >
      <div className="flex items-center justify-between gap-2">
        <h3 className="text-sm font-medium text-zinc-500 dark:text-zinc-400">{title}</h3>
        {state && <Badge tone={STATE_TONES[state] ?? "neutral"}>{state.replace("_", " ")}</Badge>}
      </div>
      {loading ? (
        <div className="mt-3 space-y-2">
          <Skeleton className="h-5 w-2/3" />
          <Skeleton className="h-4 w-full" />
        </div>
      ) : (
        <>
          <p className="mt-2 truncate text-lg font-semibold text-zinc-900 dark:text-zinc-50">{headline}</p>
          <p className="mt-1 line-clamp-2 text-sm text-zinc-600 dark:text-zinc-400" title={detail}>
            {detail}
          </p>
        </>
      )}
    </Link>
  );
}

const HEADLINES: Record<string, Record<string, string>> = {
  mesh: { ok: "Reachable", warn: "Partly reachable", fail: "Unreachable" },
  services: { ok: "Running", warn: "Unknown", fail: "Service down" },
  update: { ok: "Committed", warn: "In progress", fail: "Problem" },
};

/** The health row of the dashboard. */
export function HealthTiles() {
  const trpc = useTRPC();
  const report = useQuery(trpc.health.report.queryOptions(undefined, { refetchInterval: 30_000 }));
  const alerts = useQuery(trpc.alerts.list.queryOptions(undefined, { refetchInterval: 5_000 }));
  const check = (name: string): Check | undefined => report.data?.checks.find((c) => c.name === name);
  const problems = report.data?.checks.filter((c) => c.state !== "ok") ?? [];
  const tile = (name: string, title: string) => {
    const c = check(name);
    return <Tile key={name} title={title} href={`/health#check-${name}`} loading={report.isPending} state={c?.state} headline={c ? HEADLINES[name]?.[c.state] : report.isError ? "Unavailable" : ""} detail={c?.detail ?? (report.isError ? report.error.message : "")} />;
  };
  const firing = alerts.data?.firing ?? 0;
  return (
    <div className="mt-4 grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-5">
      <Tile
        title="Health"
        href="/health"
        loading={report.isPending}
        state={report.data?.status}
        headline={report.data ? (problems.length ? `${problems.length} of ${report.data.checks.length} not ok` : `All ${report.data.checks.length} ok`) : report.isError ? "Unavailable" : ""}
        detail={problems.map((c) => c.name).join(", ") || (report.isError ? report.error.message : "disk, memory, services, mesh, time, update, config, database")}
      />
      {tile("mesh", "Mesh connectivity")}
      {tile("services", "Services")}
      {tile("update", "Update state")}
      <Tile
        title="Alerts"
        href="/health#alerts"
        loading={alerts.isPending}
        state={alerts.data?.alerts.length ? (firing ? "firing" : "ok") : undefined}
        headline={alerts.data ? (firing ? `${firing} firing` : alerts.data.alerts.length ? "None firing" : "None configured") : alerts.isError ? "Unavailable" : ""}
        detail={alerts.data ? alerts.data.alerts.filter((a) => a.state === "firing").map((a) => a.name).join(", ") || `published on ${alerts.data.bus.url} (${alerts.data.bus.state})` : ""}
      />
    </div>
  );
}
