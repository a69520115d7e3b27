"use client";
// Updates: both root slots (version, state, which one runs and which boots next), an update on trial as "attempt n of
// 3", and the whole A/B loop with buttons: check, download (a live progress bar), apply, reboot, roll back; plus the
// automatic-update settings and the update history.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type ReactNode } from "react";
import { Badge, type BadgeTone } from "~/components/badge";
import { BootProblemNotice } from "~/components/boot-problem";
import { Button, buttonClass } from "~/components/button";
import { Card } from "~/components/card";
import { ConfirmButton } from "~/components/confirm-button";
import { EmptyState } from "~/components/empty-state";
import { ErrorState, QueryError } from "~/components/error-state";
import { sentence } from "~/components/errors";
import { EventList } from "~/components/event-list";
import { formatBytes, formatDateTime } from "~/components/format";
import { JobProgress } from "~/components/job-progress";
import { Notice } from "~/components/notice";
import { PageHeader } from "~/components/page-header";
import { RelativeTime } from "~/components/relative-time";
import { Skeleton, SkeletonText } from "~/components/skeleton";
import { useTRPC, useTRPCClient, type RouterOutputs } from "~/components/trpc";
import { useMe } from "~/components/use-me";
import { useNow } from "~/components/use-now";

type Status = RouterOutputs["updates"]["status"];
type SlotView = Status["slots"][number];

const STATE_BADGE: Record<SlotView["state"], { tone: BadgeTone; label: string; title: string }> = {
  committed: { tone: "success", label: "committed", title: "A good system: it booted healthy and was kept" },
  trial: { tone: "warning", label: "trial", title: "On trial: it has boot attempts left and is kept once a boot is healthy" },
  bad: { tone: "danger", label: "bad", title: "Not bootable: empty, being written, or failed its attempts" },
  unknown: { tone: "neutral", label: "unknown", title: "The boot env cannot be read: a healthy boot or a repair rebuilds it" },
};

/** One slot; the slot on trial shows its attempt (on its last attempt the boot state already counts it as bad), the
 * slot a download is writing says so. */
function SlotCard({ slot, trial, receiving }: { slot: SlotView; trial: Status["trial"]; receiving: boolean }) {
  const onTrial = trial?.slot === slot.slot;
  const badge = onTrial ? { ...STATE_BADGE.trial, label: `trial, attempt ${trial.attempt} of ${trial.of}` } : STATE_BADGE[slot.state];
  return (
    <Card
      title={`Slot ${slot.slot}`}
      data-testid={`slot-${slot.slot}`}
      actions={
        <>
          {slot.booted && <Badge tone="brand">running</Badge>}
          {slot.next && <Badge tone="info">boots next</Badge>}
        </>
      }
    >
      <p className="font-mono text-2xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-50" data-testid={`slot-${slot.slot}-version`}>
        {slot.version ?? <span className="font-sans text-base font-normal text-zinc-500 dark:text-zinc-400">{receiving ? "Receiving an update…" : "No system"}</span>}
      </p>
      <p className="mt-2 flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
        State
        <Badge tone={badge.tone} title={badge.title} data-testid={`slot-${slot.slot}-state`}>
          {badge.label}
        </Badge>
      </p>
    </Card>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-3">
      <dt className="text-zinc-600 dark:text-zinc-400">{label}</dt>
      <dd className="min-w-0 truncate text-right text-zinc-900 dark:text-zinc-100">{children}</dd>
    </div>
  );
}

function AutomaticCard({ settings, now }: { settings: Status["settings"]; now: number }) {
  const { isAdmin } = useMe();
  return (
    <Card
      title="Automatic updates"
      actions={
        <Link href="/settings" className={buttonClass("ghost", "sm")}>
          {isAdmin ? "Change in Settings" : "Settings"}
        </Link>
      }
    >
      <dl className="space-y-2 text-sm" data-testid="auto-settings">
        <Fact label="Automatic">
          <Badge tone={settings.automatic ? "success" : "neutral"}>{settings.automatic ? "on" : "off"}</Badge>
        </Fact>
        <Fact label="Schedule">daily at {settings.schedule}</Fact>
        <Fact label="Reboot by itself">{settings.autoReboot ? "yes" : "no, waits for you"}</Fact>
        <Fact label="Channel">{settings.channel}</Fact>
        <Fact label="Server">
          <span className="font-mono text-xs" title={settings.server ?? undefined}>
            {settings.server ?? "development release"}
          </span>
        </Fact>
        {settings.nextRun && (
          <Fact label="Next run">
            <RelativeTime at={settings.nextRun} now={now} />
          </Fact>
        )}
      </dl>
    </Card>
  );
}

/** The last check's outcome: the newer release with its size and notes, "up to date", or why it failed. */
function CheckResult({ lastCheck, running, now }: { lastCheck: Status["lastCheck"]; running: string; now: number }) {
  if (!lastCheck) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Not checked yet.</p>;
  const r = lastCheck.result;
  if (r && r.current !== running) {
    return (
      <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="check-result">
        Last checked <RelativeTime at={lastCheck.at} now={now} />, while {r.current} was running; check again for what follows {running}.
      </p>
    );
  }
  return (
    <div className="space-y-2" data-testid="check-result">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Last checked <RelativeTime at={lastCheck.at} now={now} />
      </p>
      {lastCheck.error ? (
        <Notice tone="danger" title="The check failed">
          {sentence(lastCheck.error)}
        </Notice>
      ) : r?.available ? (
        <div className="rounded-lg border border-brand-200 bg-brand-50/60 px-4 py-3 dark:border-brand-900/60 dark:bg-brand-950/30">
          <p className="text-sm text-zinc-900 dark:text-zinc-100">
            <span className="font-semibold">Version {r.latest}</span> is available on the {r.channel} channel{" "}
            <span className="text-zinc-600 dark:text-zinc-400">
              ({formatBytes(r.size)}; running {r.current})
            </span>
          </p>
          {r.notes && <p className="mt-1 text-sm whitespace-pre-line text-zinc-700 dark:text-zinc-300">{r.notes}</p>}
          <p className="mt-1 truncate font-mono text-xs text-zinc-500 dark:text-zinc-400" title={r.sha256}>
            sha256 {r.sha256}
          </p>
        </div>
      ) : r ? (
        <p className="text-sm text-zinc-900 dark:text-zinc-100">
          Up to date: {r.current} is the latest on the {r.channel} channel.
        </p>
      ) : null}
    </div>
  );
}

/** The install loop with its buttons (admins) or its state (viewers). */
function InstallCard({ status, now }: { status: Status; now: number }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const { isAdmin } = useMe();
  // The download followed: one started here, or one already running when the page opened (from the CLI, a schedule,
  // another tab); it stays shown with how it ended after the running job is gone from the status.
  const [jobId, setJobId] = useState<string | null>(null);
  const running = status.download?.id ?? null;
  if (running && running !== jobId) setJobId(running);
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: trpc.updates.status.queryKey() }), queryClient.invalidateQueries({ queryKey: trpc.system.info.queryKey() })]);
  const check = useMutation({ mutationFn: () => client.updates.checkUpdate.query(), onSettled: refresh });
  const download = useMutation({ mutationFn: () => client.updates.downloadUpdate.mutate(), onSuccess: (job) => setJobId(job.id), onSettled: refresh });
  const apply = useMutation({ mutationFn: () => client.updates.applyUpdate.mutate(), onSettled: refresh });
  const reboot = useMutation({ mutationFn: () => client.system.reboot.mutate({ recovery: false }), onSettled: refresh });
  const rollback = useMutation({ mutationFn: () => client.system.rollback.mutate(), onSettled: refresh });
  const actions = [check, download, apply, reboot, rollback];
  const busy = actions.some((m) => m.isPending);
  // A failed check is shown with the last check's outcome; other failures here.
  const failed = actions.find((m) => m.isError && !(m === check && status.lastCheck?.error));
  const reset = () => actions.forEach((m) => m.reset());
  const run = (m: (typeof actions)[number]) => {
    reset();
    m.mutate();
  };

  const downloading = running !== null;
  const result = status.lastCheck?.result;
  const offer = result?.available && result.current === status.version ? result : null;
  const have = offer && (status.staged?.version === offer.latest || status.pending?.version === offer.latest);
  const other = status.slots.find((s) => !s.booted);
  const rollbackBlocked = !other || other.state !== "committed" ? `Slot ${other?.slot ?? "?"} holds no good system` : other.next ? `Slot ${other.slot} already boots next` : null;

  return (
    <Card
      title="Install an update"
      className="lg:col-span-2"
      description={isAdmin ? "Check the channel, download into the other slot, apply, then reboot. A new system gets 3 boot attempts before the node goes back." : "Only admins can install updates; this is what the node knows."}
    >
      <div className="space-y-4">
        <CheckResult lastCheck={status.lastCheck} running={status.version} now={now} />
        {status.staged && (
          <p className="text-sm text-zinc-900 dark:text-zinc-100" data-testid="staged">
            <Badge tone="success">verified</Badge> {status.staged.version} is in slot {status.staged.slot} ({formatBytes(status.staged.size)}), read back and
            checked against the signed manifest. Apply it to boot it next.
          </p>
        )}
        {jobId && (
          <JobProgress
            id={jobId}
            label={`Downloading ${offer?.latest ?? "the update"}`}
            failureTitle="The download failed"
            onDone={() => void refresh()}
          />
        )}
        {isAdmin && (
          <div className="flex flex-wrap items-center gap-2 border-t border-zinc-200 pt-4 dark:border-zinc-800" role="group" aria-label="Update actions">
            <Button variant={offer || status.staged ? "secondary" : "primary"} onClick={() => run(check)} loading={check.isPending} disabled={busy && !check.isPending}>
              Check for updates
            </Button>
            <Button
              variant={offer && !status.staged ? "primary" : "secondary"}
              onClick={() => run(download)}
              loading={download.isPending}
              disabled={!offer || Boolean(have) || downloading || (busy && !download.isPending)}
              title={!offer ? "Check first: there is nothing newer to download" : have ? `${offer.latest} is already downloaded` : undefined}
            >
              {offer ? `Download ${offer.latest}` : "Download"}
            </Button>
            <Button
              variant={status.staged ? "primary" : "secondary"}
              onClick={() => run(apply)}
              loading={apply.isPending}
              disabled={!status.staged || downloading || (busy && !apply.isPending)}
              title={!status.staged ? "Download an update first" : undefined}
            >
              Apply
            </Button>
            <span className="ml-auto flex flex-wrap items-center gap-2">
              <ConfirmButton
                label="Reboot"
                confirmLabel="Reboot now"
                question={status.pending ? `Reboot into ${status.pending.version}?` : "Reboot the node?"}
                onConfirm={() => run(reboot)}
                loading={reboot.isPending}
                disabled={downloading || busy}
              />
              <ConfirmButton
                label="Roll back"
                confirmLabel="Roll back"
                question={`Boot slot ${other?.slot ?? ""} (${other?.version ?? "?"}) next?`}
                onConfirm={() => run(rollback)}
                loading={rollback.isPending}
                disabled={Boolean(rollbackBlocked) || downloading || busy}
                title={rollbackBlocked ?? `Make slot ${other?.slot} boot next`}
              />
            </span>
          </div>
        )}
        {failed && <ErrorState title="That did not work" error={failed.error} />}
        {reboot.isSuccess && (
          <Notice tone="success" role="status" title="Rebooted">
            The node is running slot {status.booted} ({status.version}).
          </Notice>
        )}
        {rollback.isSuccess && (
          <Notice tone="success" role="status" title="Rolled back">
            Slot {rollback.data.order[0]} boots next; reboot to use it.
          </Notice>
        )}
      </div>
    </Card>
  );
}

function StatusNotices({ status, rollback, now }: { status: Status; rollback: RouterOutputs["system"]["info"]["rollback"] | undefined; now: number }) {
  return (
    <>
      {status.bootProblem && <BootProblemNotice problem={status.bootProblem} />}
      {status.trial && (
        <div role="status" data-testid="trial" className="mb-4 rounded-xl border-2 border-amber-400 bg-amber-50 px-5 py-4 dark:border-amber-500/60 dark:bg-amber-950/40">
          <p className="text-lg font-semibold text-amber-900 dark:text-amber-100">
            Trial of version {status.trial.version}, attempt {status.trial.attempt} of {status.trial.of}
          </p>
          <p className="mt-1 text-sm text-amber-900 dark:text-amber-200">
            Slot {status.trial.slot} is on trial. It is kept once a boot passes the health checks; if attempt {status.trial.of} fails too, the node boots
            the previous system again.
          </p>
        </div>
      )}
      {rollback && (
        <Notice tone="danger" title="An update failed and was rolled back" className="mb-4" id="update-rollback">
          {sentence(rollback.detail)}, <RelativeTime at={rollback.at} now={now} />.
        </Notice>
      )}
      {status.pending && (
        <Notice tone="info" title="Reboot to finish the update" className="mb-4" id="pending-reboot">
          {status.pending.version} is applied to slot {status.pending.slot} and boots next, with 3 attempts (running {status.pending.from}).
        </Notice>
      )}
    </>
  );
}

function LoadingPage() {
  return (
    <div aria-busy="true" className="space-y-4">
      <div className="grid gap-4 md:grid-cols-2">
        {[0, 1].map((i) => (
          <Card key={i}>
            <Skeleton className="h-8 w-1/2" />
            <Skeleton className="mt-3 h-4 w-1/3" />
          </Card>
        ))}
      </div>
      <Card>
        <SkeletonText lines={4} />
      </Card>
    </div>
  );
}

/** The updates page. */
export default function UpdatesPage() {
  const trpc = useTRPC();
  const now = useNow(15_000);
  const status = useQuery(trpc.updates.status.queryOptions(undefined, { refetchInterval: 5_000 }));
  const info = useQuery(trpc.system.info.queryOptions(undefined, { refetchInterval: 5_000 }));
  const s = status.data;
  return (
    <>
      <PageHeader
        title="Updates"
        description="Two root slots: the new system goes into the one not running, gets 3 boot attempts, and is kept only when it boots healthy."
        actions={
          s && (
            <span className="text-sm text-zinc-600 dark:text-zinc-400">
              Running <span className="font-mono text-zinc-900 dark:text-zinc-100" data-testid="running-version">{s.version}</span> from slot {s.booted}
            </span>
          )
        }
      />
      {status.isPending ? (
        <LoadingPage />
      ) : status.isError && !s ? (
        <QueryError title="Could not load the update state" query={status} />
      ) : s ? (
        <>
          {status.isError && (
            <p role="status" className="mb-4 text-sm text-amber-700 dark:text-amber-300">
              The last refresh failed; showing the state from {formatDateTime(new Date(status.dataUpdatedAt).toISOString())}.
            </p>
          )}
          <StatusNotices status={s} rollback={info.data?.rollback} now={now} />
          <h2 className="sr-only">Slots</h2>
          <div className="grid gap-4 md:grid-cols-2">
            {s.slots.map((slot) => (
              <SlotCard key={slot.slot} slot={slot} trial={s.trial} receiving={s.download?.target === `slot ${slot.slot}`} />
            ))}
          </div>
          <div className="mt-4 grid gap-4 lg:grid-cols-3">
            <InstallCard status={s} now={now} />
            <AutomaticCard settings={s.settings} now={now} />
          </div>
          <Card title="History" className="mt-4" description="Updates, boots, commits and rollbacks, newest first.">
            <div data-testid="update-history">
              {s.history.length === 0 ? (
                <EmptyState title="No updates yet" description="Checks, downloads, applied updates, boots and rollbacks will be listed here." />
              ) : (
                <EventList events={s.history} now={now} showDetail />
              )}
            </div>
          </Card>
        </>
      ) : null}
    </>
  );
}
