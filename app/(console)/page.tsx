"use client";
// Dashboard: the node's identity, resources and mesh at a glance, refreshed every 5 s, plus recent events.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ReactNode } from "react";
import { Badge } from "~/components/badge";
import { buttonClass } from "~/components/button";
import { Card } from "~/components/card";
import { EmptyState } from "~/components/empty-state";
import { QueryError } from "~/components/error-state";
import { EventList } from "~/components/event-list";
import { HealthTiles } from "~/components/health-tiles";
import { ResourceCharts } from "~/components/resource-charts";
import { formatBytes, formatDateTime, formatDuration, formatDurationLong, formatPercent, percentOf } from "~/components/format";
import { BootProblemNotice } from "~/components/boot-problem";
import { Notice } from "~/components/notice";
import { PageHeader } from "~/components/page-header";
import { ProgressBar } from "~/components/progress-bar";
import { RelativeTime } from "~/components/relative-time";
import { EmbeddedServices, SecurityPanel } from "~/components/security-panel";
import { Skeleton, SkeletonText } from "~/components/skeleton";
import { useTRPC, type RouterOutputs } from "~/components/trpc";
import { useMe } from "~/components/use-me";
import { useNow } from "~/components/use-now";

type Info = RouterOutputs["system"]["info"];

function Stat({ label, loading, children, footer }: { label: string; loading: boolean; children: ReactNode; footer?: ReactNode }) {
  return (
    <Card title={label} aria-busy={loading}>
      {loading ? (
        <div className="space-y-2">
          <Skeleton className="h-8 w-3/4" />
          <Skeleton className="h-4 w-1/2" />
        </div>
      ) : (
        <>
          <div className="min-w-0 text-2xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-50">{children}</div>
          {footer && <div className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{footer}</div>}
        </>
      )}
    </Card>
  );
}

function Usage({
  label,
  loading,
  percent,
  headline,
  detail,
  barLabel,
  valueText,
}: {
  label: string;
  loading: boolean;
  percent: number;
  headline: ReactNode;
  detail: ReactNode;
  barLabel: string;
  valueText: string;
}) {
  return (
    <Card title={label} aria-busy={loading}>
      {loading ? (
        <div className="space-y-3">
          <Skeleton className="h-7 w-1/3" />
          <Skeleton className="h-2 w-full" />
          <Skeleton className="h-4 w-2/3" />
        </div>
      ) : (
        <>
          <div className="flex items-baseline justify-between gap-2">
            <span className="text-2xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-50">{formatPercent(percent)}</span>
            <span className="truncate text-sm text-zinc-600 dark:text-zinc-400">{headline}</span>
          </div>
          <ProgressBar className="mt-3" value={percent} label={barLabel} valueText={valueText} />
          <p className="mt-2 truncate text-sm text-zinc-600 dark:text-zinc-400">{detail}</p>
        </>
      )}
    </Card>
  );
}

const ROLE_TONES = { bootstrap: "warning", gateway: "info", peer: "brand" } as const;

function roleTone(role: string) {
  return ROLE_TONES[role as keyof typeof ROLE_TONES] ?? "neutral";
}

function Overview({ info, loading }: { info: Info | undefined; loading: boolean }) {
  const now = useNow(15_000);
  const standby = info?.slot === "A" ? "B" : "A";
  const memPct = info ? percentOf(info.memory.used, info.memory.total) : 0;
  const diskPct = info ? percentOf(info.disk.used, info.disk.total) : 0;
  return (
    <>
      <div className="grid grid-cols-2 gap-3 sm:gap-4 xl:grid-cols-4">
        <Stat label="Hostname" loading={loading}>
          <span data-testid="hostname" className="block truncate font-mono text-base sm:text-xl" title={info?.hostname}>
            {info?.hostname}
          </span>
        </Stat>
        <Stat label="Version" loading={loading} footer={info?.setup === "pending" ? "Setup pending" : "MaculaOS"}>
          <span data-testid="version" className="block truncate font-mono text-base sm:text-xl">
            {info?.version}
          </span>
        </Stat>
        <Stat label="Active slot" loading={loading} footer={`Standby slot: ${standby}`}>
          <span className="flex items-center gap-2">
            <span data-testid="slot">{info?.slot}</span>
            <Badge tone="success">booted</Badge>
          </span>
        </Stat>
        <Stat
          label="Uptime"
          loading={loading}
          footer={
            info?.bootedAt ? (
              <>
                Booted <RelativeTime at={info.bootedAt} now={now} />
              </>
            ) : undefined
          }
        >
          <span data-testid="uptime" title={info ? formatDurationLong(info.uptime) : undefined}>
            {info ? formatDuration(info.uptime) : ""}
          </span>
        </Stat>
      </div>

      <h2 className="sr-only">Resources</h2>
      <div className="mt-4 grid gap-4 md:grid-cols-3">
        <Usage
          label="CPU"
          loading={loading}
          percent={info?.cpu.usage ?? 0}
          headline={info ? `${info.cpu.cores} ${info.cpu.cores === 1 ? "core" : "cores"}` : ""}
          detail={<span title={info?.cpu.model}>{info?.cpu.model}</span>}
          barLabel="CPU usage"
          valueText={info ? `${formatPercent(info.cpu.usage)} CPU in use` : ""}
        />
        <Usage
          label="Memory"
          loading={loading}
          percent={memPct}
          headline={info ? `${formatBytes(info.memory.used)} / ${formatBytes(info.memory.total)}` : ""}
          detail={info ? `${formatBytes(Math.max(0, info.memory.total - info.memory.used))} free` : ""}
          barLabel="Memory usage"
          valueText={info ? `${formatBytes(info.memory.used)} of ${formatBytes(info.memory.total)} used` : ""}
        />
        <Usage
          label="Disk"
          loading={loading}
          percent={diskPct}
          headline={info ? `${formatBytes(info.disk.used)} / ${formatBytes(info.disk.total)}` : ""}
          detail={
            info ? (
              <>
                {formatBytes(Math.max(0, info.disk.total - info.disk.used))} free on <span className="font-mono">{info.disk.path}</span>
              </>
            ) : (
              ""
            )
          }
          barLabel={`Disk usage${info ? ` of ${info.disk.path}` : ""}`}
          valueText={info ? `${formatBytes(info.disk.used)} of ${formatBytes(info.disk.total)} used` : ""}
        />
      </div>
    </>
  );
}

function RecentEvents() {
  const trpc = useTRPC();
  const now = useNow(15_000);
  const events = useQuery(trpc.events.list.queryOptions({ limit: 10 }, { refetchInterval: 5_000 }));
  return (
    <Card
      title="Recent events"
      className="lg:col-span-2"
      aria-busy={events.isPending}
      actions={
        <Link href="/events" className={buttonClass("ghost", "sm")}>
          View all
        </Link>
      }
    >
      <div data-testid="recent-events">
        {events.isPending ? (
          <SkeletonText lines={5} />
        ) : events.isError ? (
          <QueryError title="Could not load events" query={events} />
        ) : events.data.events.length === 0 ? (
          <EmptyState
            title="No events yet"
            description="Changes to this node (sign-ins, settings, updates) will show up here."
          />
        ) : (
          <EventList events={events.data.events} now={now} />
        )}
      </div>
    </Card>
  );
}

function MeshCard({ info, loading }: { info: Info | undefined; loading: boolean }) {
  const { isAdmin } = useMe();
  return (
    <Card
      title="Mesh"
      aria-busy={loading}
      actions={
        <Link href="/settings" className={buttonClass("ghost", "sm")}>
          {isAdmin ? "Configure" : "Details"}
        </Link>
      }
    >
      {loading ? (
        <SkeletonText lines={2} />
      ) : (
        <dl className="space-y-3 text-sm">
          <div className="flex items-center justify-between gap-3">
            <dt className="text-zinc-600 dark:text-zinc-400">Role</dt>
            <dd>
              <Badge tone={roleTone(info?.mesh.role ?? "")} className="text-sm">
                <span data-testid="mesh-role">{info?.mesh.role}</span>
              </Badge>
            </dd>
          </div>
          <div className="flex items-center justify-between gap-3">
            <dt className="text-zinc-600 dark:text-zinc-400">Realm</dt>
            <dd data-testid="mesh-realm" className="truncate font-mono text-zinc-900 dark:text-zinc-100" title={info?.mesh.realm}>
              {info?.mesh.realm}
            </dd>
          </div>
        </dl>
      )}
    </Card>
  );
}

/** The dashboard home page. */
export default function DashboardPage() {
  const trpc = useTRPC();
  const info = useQuery(trpc.system.info.queryOptions(undefined, { refetchInterval: 5_000 }));
  const loading = info.isPending;
  const now = useNow(15_000);

  return (
    <>
      <PageHeader
        title="Dashboard"
        description="Health and resources of this node, refreshed every 5 seconds."
        actions={
          <span className="inline-flex items-center gap-1.5 text-xs text-zinc-500 dark:text-zinc-400">
            <span aria-hidden="true" className={`size-2 rounded-full ${info.isError ? "bg-amber-500" : "bg-emerald-500"}`} />
            {info.isError ? "Refresh failing" : "Live"}
          </span>
        }
      />
      {info.isError && !info.data ? (
        <QueryError title="Could not load system information" query={info} />
      ) : (
        <>
          {info.isError && info.data && (
            <p role="status" className="mb-4 text-sm text-amber-700 dark:text-amber-300">
              The last refresh failed; showing data from {formatDateTime(new Date(info.dataUpdatedAt).toISOString())}.
            </p>
          )}
          {info.data?.configProblem && (
            <Notice tone="warning" title="config.yaml is invalid" className="mb-4" id="config-problem">
              {info.data.configProblem} The last good configuration stays in force.{" "}
              <Link href="/settings#yaml" className="underline">
                Fix it in Settings
              </Link>
            </Notice>
          )}
          {info.data?.bootProblem && <BootProblemNotice problem={info.data.bootProblem} />}
          {info.data?.rollback && (
            <Notice tone="danger" title="An update failed and was rolled back" className="mb-4" id="update-rollback">
              {info.data.rollback.detail}, <RelativeTime at={new Date(info.data.rollback.at).toISOString()} now={now} />.{" "}
              <Link href="/updates" className="underline">
                See Updates
              </Link>
            </Notice>
          )}
          <Overview info={info.data} loading={loading} />
          <HealthTiles />
          <ResourceCharts />
          <div className="mt-4 grid gap-4 lg:grid-cols-3">
            <MeshCard info={info.data} loading={loading} />
            <RecentEvents />
          </div>
          <div className="mt-4 grid gap-4 lg:grid-cols-3">
            <SecurityPanel />
            <EmbeddedServices />
          </div>
        </>
      )}
    </>
  );
}
