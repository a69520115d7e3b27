"use client";
// Health: every check (built-in and the user's) with its state and detail, the alerts and the bus they go to.
import { useQuery } from "@tanstack/react-query";
import { Badge } from "~/components/badge";
import { Button } from "~/components/button";
import { Card } from "~/components/card";
import { DataTable, Td, TimeTd } from "~/components/data-table";
import { EmptyState } from "~/components/empty-state";
import { QueryError } from "~/components/error-state";
import { STATE_TONES } from "~/components/health-tiles";
import { PageHeader } from "~/components/page-header";
import { SkeletonText } from "~/components/skeleton";
import { useTRPC } from "~/components/trpc";
import { useNow } from "~/components/use-now";

function State({ state }: { state: string }) {
  return <Badge tone={STATE_TONES[state] ?? "neutral"}>{state.replace("_", " ")}</Badge>;
}

/** The health page. */
export default function HealthPage() {
  const trpc = useTRPC();
  const now = useNow();
  const report = useQuery(trpc.health.report.queryOptions(undefined, { refetchInterval: 30_000 }));
  const alerts = useQuery(trpc.alerts.list.queryOptions(undefined, { refetchInterval: 5_000 }));
  return (
    <>
      <PageHeader
        title="Health"
        description="Each check looks at the real thing and says ok, warn or fail. maculaos health prints the same and exits 3 when one fails."
        actions={
          <Button variant="secondary" size="sm" loading={report.isFetching} onClick={() => void report.refetch()}>
            Check again
          </Button>
        }
      />
      <section aria-labelledby="checks-heading">
        <h2 id="checks-heading" className="mb-2 flex items-center gap-2 text-base font-semibold text-zinc-900 dark:text-zinc-100">
          Checks {report.data && <State state={report.data.status} />}
        </h2>
        {report.isPending ? (
          <SkeletonText lines={8} />
        ) : report.isError ? (
          <QueryError title="Could not run the health checks" query={report} />
        ) : (
          <DataTable caption="Health checks" data-testid="checks-table" columns={["State", "Check", "Kind", "Detail"]}>
            {report.data.checks.map((c) => (
              <tr key={c.name} id={`check-${c.name}`} className="scroll-mt-20 target:bg-brand-50 dark:target:bg-brand-500/10">
                <Td>
                  <State state={c.state} />
                </Td>
                <Td className="font-mono text-xs whitespace-nowrap">{c.name}</Td>
                <Td className="whitespace-nowrap text-zinc-600 dark:text-zinc-400">{c.kind === "user" ? "yours" : "built-in"}</Td>
                <Td className="min-w-64 text-zinc-700 dark:text-zinc-300">{c.detail}</Td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>

      <section id="alerts" aria-labelledby="alerts-heading" className="mt-8 scroll-mt-20">
        <h2 id="alerts-heading" className="mb-2 text-base font-semibold text-zinc-900 dark:text-zinc-100">
          Alerts
        </h2>
        {alerts.isPending ? (
          <SkeletonText lines={3} />
        ) : alerts.isError ? (
          <QueryError title="Could not load the alerts" query={alerts} />
        ) : (
          <>
            {alerts.data.alerts.length === 0 ? (
              <EmptyState title="No alerts configured" description="Add rules under alerts: in config.yaml (Settings → YAML), e.g. disk_usage > 90% with a mesh topic." />
            ) : (
              <DataTable caption="Alerts" data-testid="alerts-table" columns={["State", "Alert", "Condition", "Now", "Topic", "Since"]}>
                {alerts.data.alerts.map((a) => (
                  <tr key={a.name}>
                    <Td>
                      <State state={a.state} />
                    </Td>
                    <Td className="font-mono text-xs whitespace-nowrap">{a.name}</Td>
                    <Td className="font-mono text-xs">{a.condition}</Td>
                    <Td className="whitespace-nowrap">{a.value ?? "—"}</Td>
                    <Td className="font-mono text-xs">{a.topic}</Td>
                    <TimeTd at={a.since} now={now} />
                  </tr>
                ))}
              </DataTable>
            )}
            <Card className="mt-3">
              <p className="text-sm text-zinc-700 dark:text-zinc-300">
                Alerts are published as JSON on the local NATS bus <span className="font-mono">{alerts.data.bus.url}</span>, subject = the topic; the mesh node bridges it to the mesh. Bus:{" "}
                <Badge tone={alerts.data.bus.state === "connected" ? "success" : alerts.data.bus.state === "idle" ? "neutral" : "warning"}>{alerts.data.bus.state}</Badge>
                {alerts.data.bus.dropped > 0 && ` (${alerts.data.bus.dropped} messages dropped while it was down)`}
              </p>
            </Card>
          </>
        )}
      </section>
    </>
  );
}
