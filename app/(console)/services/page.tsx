"use client";
// Services: every deployed service with its live state (pushed over server-sent events, no polling), a deploy form
// (image reference or uploaded release tarball, with upload progress and the deploy job followed live), and per
// service its live log, actions and health history.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useRef, useState } from "react";
import { Badge, type BadgeTone } from "~/components/badge";
import { Button } from "~/components/button";
import { Card } from "~/components/card";
import { ConfirmButton } from "~/components/confirm-button";
import { DataTable, Td } from "~/components/data-table";
import { EmptyState } from "~/components/empty-state";
import { QueryError } from "~/components/error-state";
import { TextField } from "~/components/field";
import { formatDuration, formatRelative } from "~/components/format";
import { JobProgress } from "~/components/job-progress";
import { PageHeader } from "~/components/page-header";
import { ProgressBar } from "~/components/progress-bar";
import { Skeleton } from "~/components/skeleton";
import { useTRPC, type RouterOutputs } from "~/components/trpc";
import { useMe } from "~/components/use-me";
import { useNow } from "~/components/use-now";

type Service = RouterOutputs["services"]["list"]["services"][number];

const TONE: Record<Service["state"], BadgeTone> = { running: "success", backoff: "warning", stopped: "neutral", failed: "danger", exited: "danger" };

/** A service's state as a coloured badge. */
function StateBadge({ s }: { s: Pick<Service, "state" | "reason"> }) {
  return (
    <Badge tone={TONE[s.state]} title={s.reason ?? undefined} data-testid="service-state">
      {s.state}
    </Badge>
  );
}

/** How long a running service has been up, from its start time (so it counts on between pushes). */
function uptime(s: Pick<Service, "startedAt">, now: number): string {
  return s.startedAt ? formatDuration(Math.max(0, Math.round((now - Date.parse(s.startedAt)) / 1000))) : "-";
}

/** Uploads a file to the appliance with progress; resolves to the upload id. */
function upload(file: File, onProgress: (fraction: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/upload/service");
    xhr.setRequestHeader("x-maculaos-csrf", "1");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      const body = JSON.parse(xhr.responseText || "{}") as { upload?: string; error?: string };
      if (xhr.status === 200 && body.upload) resolve(body.upload);
      else reject(new Error(body.error ?? `upload failed (${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error("upload failed: the connection broke"));
    xhr.send(file);
  });
}

/** The deploy form: an image reference, or a release tarball uploaded with a progress bar; then the job followed live. */
function DeployForm() {
  const trpc = useTRPC();
  const [image, setImage] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [job, setJob] = useState<{ id: string; label: string } | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const deploy = useMutation(trpc.services.deploy.mutationOptions());

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setJob(null);
    try {
      let upload_: string | undefined;
      if (file) {
        setSent(0);
        upload_ = await upload(file, setSent);
      }
      const j = await deploy.mutateAsync(upload_ ? { upload: upload_ } : { image: image.trim() });
      setRunning(true);
      setJob({ id: j.id, label: `Deploying ${file ? file.name : image.trim()}` });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setSent(null);
    }
  };

  return (
    <Card title="Deploy a service" description="From an OCI registry (credentials under registries: in the config) or an OTP release tarball (mix release, rebar3 tar).">
      <form onSubmit={submit} className="space-y-4" aria-label="Deploy a service">
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField label="Image reference" placeholder="ghcr.io/mycompany/myservice:latest" value={image} onChange={(e) => setImage(e.target.value)} disabled={file !== null} spellCheck={false} autoComplete="off" />
          <label className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
            Or a release tarball
            <input type="file" accept=".tar,.tar.gz,.tgz" className="mt-1.5 block w-full text-sm" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          </label>
        </div>
        {sent !== null && <ProgressBar tone="brand" label="Upload" value={sent * 100} valueText={`${Math.round(sent * 100)}% uploaded`} />}
        {job && (
          <JobProgress
            key={job.id}
            id={job.id}
            label={job.label}
            failureTitle="The deploy failed"
            onDone={() => setRunning(false)} // the new service itself arrives pushed with the list
          />
        )}
        {error && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
        <Button type="submit" disabled={(!image.trim() && !file) || sent !== null || running} loading={deploy.isPending || sent !== null}>
          Deploy
        </Button>
      </form>
    </Card>
  );
}

/** One service: actions, live log and health history. */
function ServiceDetail({ name, summary, isAdmin, onRemoved }: { name: string; summary: Service; isAdmin: boolean; onRemoved: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const now = useNow(1000);
  const detail = useQuery(trpc.services.get.queryOptions({ name }));
  // every change arrives pushed with the list: the actions need no refetch of their own
  const start = useMutation(trpc.services.start.mutationOptions());
  const stop = useMutation(trpc.services.stop.mutationOptions());
  const restart = useMutation(trpc.services.restart.mutationOptions());
  const remove = useMutation(trpc.services.remove.mutationOptions({ onSuccess: onRemoved }));
  const removing = remove.isPending || remove.isSuccess;
  // the detail (health history included) is fetched again when the pushed summary of this service changes, unless
  // it is being removed (the pushes of its stop come before it is gone)
  const pushed = `${summary.state}:${summary.pid}:${summary.restarts}:${summary.health}:${String(summary.deployedAt)}`;
  useEffect(() => {
    if (!removing) void qc.invalidateQueries({ queryKey: trpc.services.get.queryKey({ name }) });
  }, [qc, trpc, name, pushed, removing]);
  const LOG_LINES = 200;
  const first = useQuery(trpc.services.logs.queryOptions({ name, lines: LOG_LINES }, { refetchOnWindowFocus: false }));
  const [lines, setLines] = useState<Array<{ at: string; stream: string; text: string }>>([]);
  useEffect(() => {
    if (first.data) setLines(first.data.lines);
  }, [first.data]);
  const live = useSubscription(
    trpc.services.followLogs.subscriptionOptions(
      { name },
      { enabled: first.isSuccess, onData: (batch) => setLines((l) => [...l, ...batch].slice(-LOG_LINES)) },
    ),
  );
  const logRef = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);
  if (detail.isError) return <QueryError title={`Could not load ${name}`} query={detail} />;
  const s = detail.data;
  const failure = [start, stop, restart, remove].find((m) => m.error)?.error;
  return (
    <Card
      title={name}
      description={s ? s.sourceLabel : undefined}
      data-testid="service-detail"
      actions={
        s &&
        isAdmin && (
          <div className="flex flex-wrap gap-2">
            {summary.state === "running" || summary.state === "backoff" ? (
              <Button size="sm" variant="secondary" onClick={() => stop.mutate({ name })} loading={stop.isPending}>
                Stop
              </Button>
            ) : (
              <Button size="sm" variant="secondary" onClick={() => start.mutate({ name })} loading={start.isPending}>
                Start
              </Button>
            )}
            <Button size="sm" variant="secondary" onClick={() => restart.mutate({ name })} loading={restart.isPending}>
              Restart
            </Button>
            <ConfirmButton label="Remove" confirmLabel="Remove" question={`Remove ${name}? Its data in /var/lib/maculaos/${name} stays.`} onConfirm={() => remove.mutate({ name })} loading={remove.isPending} />
          </div>
        )
      }
    >
      {!s ? (
        <Skeleton className="h-40 w-full" />
      ) : (
        <div className="space-y-4">
          {failure && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-400">
              {failure.message}
            </p>
          )}
          <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
            <dt className="text-zinc-500">State</dt>
            <dd>
              <StateBadge s={summary} /> {summary.reason && <span className="text-zinc-600 dark:text-zinc-400">{summary.reason}</span>}
            </dd>
            <dt className="text-zinc-500">Uptime</dt>
            <dd>{uptime(summary, now)}</dd>
            <dt className="text-zinc-500">Restarts</dt>
            <dd>{summary.restarts}</dd>
            <dt className="text-zinc-500">Command</dt>
            <dd className="font-mono text-xs break-all">{s.command.join(" ")}</dd>
            <dt className="text-zinc-500">Volumes</dt>
            <dd className="font-mono text-xs break-all">{s.volumes.map((v) => `${v.host} → ${v.path}`).join(", ")}</dd>
            <dt className="text-zinc-500">Runtime</dt>
            <dd>
              {s.runtime.runtime} <span className="text-zinc-600 dark:text-zinc-400">({s.runtime.reason})</span>
            </dd>
            <dt className="text-zinc-500">Health check</dt>
            <dd>{s.healthCheck ? (s.healthCheck.http ?? s.healthCheck.tcp) : "process check"}</dd>
          </dl>
          <div>
            <h3 className="mb-1.5 flex items-center gap-2 text-sm font-semibold">
              Log
              <span className="inline-flex items-center gap-1.5 text-xs font-normal text-zinc-500 dark:text-zinc-400" role="status">
                <span aria-hidden="true" className={`size-2 rounded-full ${live.status === "error" ? "bg-amber-500" : "bg-emerald-500"}`} />
                {live.status === "error" ? "Reconnecting" : "Following"}
              </span>
            </h3>
            <pre ref={logRef} tabIndex={0} aria-label={`Log of ${name}`} data-testid="service-log" className="h-64 overflow-auto rounded-lg bg-zinc-950 p-3 font-mono text-xs text-zinc-100">
              {lines.map((l) => `${l.at.slice(11, 19)} ${l.stream === "stdout" ? "" : `[${l.stream}] `}${l.text}`).join("\n") || "no output yet"}
            </pre>
          </div>
          <div>
            <h3 className="mb-1.5 text-sm font-semibold">Health history</h3>
            {s.history.length === 0 ? (
              <p className="text-sm text-zinc-600 dark:text-zinc-400">No checks yet.</p>
            ) : (
              <ol className="flex flex-wrap gap-1" aria-label="Health checks, newest first">
                {s.history.map((h, i) => (
                  <li key={i} title={`${new Date(h.at).toLocaleString()}: ${h.check} ${h.detail ?? ""}`}>
                    <Badge tone={h.ok ? "success" : "danger"}>
                      {h.ok ? "ok" : "fail"} · {h.check} · {formatRelative(new Date(h.at).toISOString(), now)}
                    </Badge>
                  </li>
                ))}
              </ol>
            )}
          </div>
        </div>
      )}
    </Card>
  );
}

/** The services page. */
export default function ServicesPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { isAdmin } = useMe();
  const now = useNow(1000);
  const list = useQuery(trpc.services.list.queryOptions(undefined, { refetchOnWindowFocus: false }));
  // every change of a service (state, restarts, health, a deploy or removal) is pushed; the list is replaced with it
  const live = useSubscription(
    trpc.services.watch.subscriptionOptions(undefined, {
      enabled: list.isSuccess,
      onData: (services) => qc.setQueryData(trpc.services.list.queryKey(), { services }),
    }),
  );
  const [selected, setSelected] = useState<string | null>(null);
  const services = list.data?.services;
  const current = services?.find((s) => s.name === (selected ?? services[0]?.name));
  return (
    <>
      <PageHeader
        title="Services"
        description="Erlang/Elixir releases and OCI images running on this node, supervised and restarted on crashes."
        actions={
          <span className="inline-flex items-center gap-1.5 text-xs text-zinc-500 dark:text-zinc-400" role="status" data-testid="services-live">
            <span aria-hidden="true" className={`size-2 rounded-full ${live.status === "error" ? "bg-amber-500" : live.status === "pending" ? "bg-emerald-500" : "bg-zinc-400"}`} />
            {live.status === "error" ? "Reconnecting" : live.status === "pending" ? "Live" : "Connecting"}
          </span>
        }
      />
      <div className="space-y-6">
        {isAdmin && <DeployForm />}
        {list.isPending ? (
          <Skeleton className="h-24 w-full" />
        ) : list.isError ? (
          <QueryError title="Could not load services" query={list} />
        ) : !services?.length ? (
          <EmptyState title="No services yet" description="Deploy one from a registry (maculaos deploy ghcr.io/mycompany/myservice:latest) or a release tarball." />
        ) : (
          <DataTable caption="Services" data-testid="services-table" columns={["Name", "Source", "State", "Uptime", "Restarts", "Ports"]}>
            {services.map((s) => (
              <tr key={s.name} className={s.name === current?.name ? "bg-zinc-50 dark:bg-zinc-800/50" : "hover:bg-zinc-50 dark:hover:bg-zinc-800/50"}>
                <Td>
                  <button type="button" className="font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-300" aria-pressed={s.name === current?.name} onClick={() => setSelected(s.name)}>
                    {s.name}
                  </button>
                </Td>
                <Td className="max-w-xs truncate font-mono text-xs">{s.sourceLabel}</Td>
                <Td>
                  <StateBadge s={s} />
                </Td>
                <Td>{uptime(s, now)}</Td>
                <Td>{s.restarts}</Td>
                <Td>{s.ports.join(", ") || "-"}</Td>
              </tr>
            ))}
          </DataTable>
        )}
        {current && <ServiceDetail key={current.name} name={current.name} summary={current} isAdmin={isAdmin} onRemoved={() => setSelected(null)} />}
      </div>
    </>
  );
}
