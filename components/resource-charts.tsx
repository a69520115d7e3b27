"use client";
// The dashboard's resource charts: the last hour, kept live by the metrics.live subscription (server-sent events),
// or 7 days of 5-minute averages. CPU/memory/disk, network, load and temperature.
import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useMemo, useState } from "react";
import { Card } from "./card";
import { QueryError } from "./error-state";
import { formatBytes } from "./format";
import { Skeleton } from "./skeleton";
import { Tabs } from "./tabs";
import { TimeChart, type ChartSeries } from "./time-chart";
import { useTRPC, type RouterOutputs } from "./trpc";

type Series = RouterOutputs["metrics"]["series"];
type Values = Series["values"];
const HOUR_MS = 3_600_000;
const pct = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)}%`;
const rate = (v: number) => `${formatBytes(v)}/s`;

/** The four charts for one set of columns. */
function Charts({ at, values, live }: { at: number[]; values: Values; live: boolean }) {
  const usage: ChartSeries[] = useMemo(() => [
    { label: "CPU", color: "#0ea5e9", values: values.cpu },
    { label: "Memory", color: "#8b5cf6", values: values.memory },
    { label: "Disk", color: "#f59e0b", values: values.disk },
  ], [values]);
  const net: ChartSeries[] = useMemo(() => [
    { label: "Received", color: "#10b981", values: values.rx },
    { label: "Sent", color: "#6366f1", values: values.tx },
  ], [values]);
  const load: ChartSeries[] = useMemo(() => [{ label: "Load (1 min)", color: "#ec4899", values: values.load }], [values]);
  const temp: ChartSeries[] = useMemo(() => [{ label: "Temperature", color: "#ef4444", values: values.temperature }], [values]);
  const hasTemp = values.temperature.some((v) => v !== null);
  const title = (t: string) => <h3 className="mb-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">{t}</h3>;
  return (
    <div className="grid gap-x-6 gap-y-4 md:grid-cols-2" data-testid={live ? "live-charts" : "week-charts"}>
      <div>
        {title("CPU, memory and disk")}
        <TimeChart label="CPU, memory and disk usage over time" at={at} series={usage} format={pct} max={100} />
      </div>
      <div>
        {title("Network (all interfaces but loopback)")}
        <TimeChart label="Network throughput over time" at={at} series={net} format={rate} />
      </div>
      <div>
        {title("Load average")}
        <TimeChart label="Load average over time" at={at} series={load} format={(v) => v.toFixed(2)} />
      </div>
      <div>
        {title("Temperature")}
        {hasTemp ? (
          <TimeChart label="Temperature over time" at={at} series={temp} format={(v) => `${v.toFixed(0)} °C`} />
        ) : (
          <p className="flex h-[140px] items-center justify-center rounded-lg border border-dashed border-zinc-300 px-4 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
            This machine has no temperature sensor the kernel exposes.
          </p>
        )}
      </div>
    </div>
  );
}

/** The last hour, with each new sample appended as it arrives. */
function LastHour() {
  const trpc = useTRPC();
  const initial = useQuery(trpc.metrics.series.queryOptions({ range: "hour" }, { staleTime: Infinity, refetchOnWindowFocus: false }));
  const [data, setData] = useState<{ at: number[]; values: Values } | null>(null);
  useEffect(() => {
    if (initial.data) setData({ at: initial.data.at, values: initial.data.values });
  }, [initial.data]);
  const live = useSubscription(
    trpc.metrics.live.subscriptionOptions(undefined, {
      enabled: Boolean(data),
      onData: (s) =>
        setData((d) => {
          if (!d || d.at.includes(s.at)) return d;
          const keep = d.at.findIndex((t) => t >= s.at - HOUR_MS);
          const cut = keep < 0 ? d.at.length : keep;
          const values = Object.fromEntries(Object.entries(d.values).map(([k, v]) => [k, [...v.slice(cut), Number.isNaN(s[k as keyof Values]) ? null : s[k as keyof Values]]])) as Values;
          return { at: [...d.at.slice(cut), s.at], values };
        }),
    }),
  );
  if (initial.isError) return <QueryError title="Could not load the resource history" query={initial} />;
  if (!data) return <Skeleton className="h-[300px] w-full" />;
  return (
    <>
      <p className="sr-only" role="status">{live.status === "pending" ? "Live" : live.status === "error" ? "Live updates interrupted" : ""}</p>
      <Charts at={data.at} values={data.values} live />
      {live.status === "error" && <p className="mt-2 text-sm text-amber-700 dark:text-amber-300">Live updates stopped; reconnecting…</p>}
    </>
  );
}

/** 7 days of 5-minute averages, refreshed every 5 minutes. */
function Week() {
  const trpc = useTRPC();
  const week = useQuery(trpc.metrics.series.queryOptions({ range: "week" }, { refetchInterval: 300_000 }));
  if (week.isError) return <QueryError title="Could not load the 7-day history" query={week} />;
  if (!week.data) return <Skeleton className="h-[300px] w-full" />;
  if (week.data.at.length === 0) return <p className="py-8 text-center text-sm text-zinc-600 dark:text-zinc-400">The 7-day history fills in 5-minute steps; the first one is still being averaged.</p>;
  return <Charts at={week.data.at} values={week.data.values} live={false} />;
}

/** The resources card of the dashboard. */
export function ResourceCharts() {
  const [range, setRange] = useState("hour");
  return (
    <Card title="Resources over time" className="mt-4" data-testid="resource-charts">
      <Tabs
        label="Time range"
        value={range}
        onChange={setRange}
        tabs={[
          { id: "hour", label: "Last hour (live)", content: <LastHour /> },
          { id: "week", label: "7 days", content: <Week /> },
        ]}
      />
    </Card>
  );
}
