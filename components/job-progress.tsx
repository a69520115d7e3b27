"use client";
// Following a long operation (a job: update download, deploy, backup, restore) live over server-sent events, and
// showing it as a progress bar with the job's message that ends in a success or an error state.
import { useEffect, useRef, useState } from "react";
import { cx } from "./cx";
import { errorMessage, sentence } from "./errors";
import { formatPercent } from "./format";
import { Notice } from "./notice";
import { ProgressBar } from "./progress-bar";
import { useTRPCClient, type RouterOutputs } from "./trpc";

/** A job as jobs.get and jobs.follow return it. */
export type JobView = RouterOutputs["jobs"]["get"];

/** Follows job `id` over jobs.follow: its latest view (null until the first arrives) and the stream's error, if any.
 * `onDone` runs once when the job has finished, whichever way. */
export function useJob(id: string | null | undefined, onDone?: (job: JobView) => void): { job: JobView | null; error: unknown } {
  const client = useTRPCClient();
  const [state, setState] = useState<{ id: string | null; job: JobView | null; error: unknown }>({ id: null, job: null, error: null });
  const onDoneRef = useRef(onDone);
  onDoneRef.current = onDone;
  useEffect(() => {
    if (!id) return;
    let ended = false;
    const sub = client.jobs.follow.subscribe(
      { id },
      {
        onData: (job) => {
          setState({ id, job, error: null });
          if (job.state !== "running" && !ended) {
            ended = true;
            onDoneRef.current?.(job);
          }
        },
        onError: (error) => setState((s) => ({ id, job: s.id === id ? s.job : null, error })),
      },
    );
    return () => sub.unsubscribe();
  }, [client, id]);
  return state.id === id ? { job: state.job, error: state.error } : { job: null, error: null };
}

/** A job followed live: its label and percentage, a progress bar, the job's message, and at the end a success or
 * error notice. `successText`/`failureTitle` reword the ending; `onDone` runs once when it has finished. */
export function JobProgress({
  id,
  label,
  onDone,
  successText,
  failureTitle = `${label} failed`,
  className,
}: {
  id: string;
  label: string;
  onDone?: (job: JobView) => void;
  successText?: (job: JobView) => string;
  failureTitle?: string;
  className?: string;
}) {
  const { job, error } = useJob(id, onDone);
  const state = job?.state ?? "connecting";
  const pct = (job?.progress ?? 0) * 100;
  return (
    <div className={cx("space-y-2", className)} data-testid="job-progress" data-state={state} aria-busy={state === "running" || state === "connecting"}>
      {state === "succeeded" && job ? (
        <Notice tone="success" role="status" title={`${label}: done`}>
          {successText ? successText(job) : sentence(job.message ?? "")}
        </Notice>
      ) : state === "failed" && job ? (
        <Notice tone="danger" role="alert" title={failureTitle}>
          {sentence(job.error ?? "the job failed without saying why")}
        </Notice>
      ) : (
        <>
          <div className="flex items-baseline justify-between gap-3 text-sm">
            <span className="font-medium text-zinc-900 dark:text-zinc-100">{label}</span>
            <span className="text-zinc-600 tabular-nums dark:text-zinc-400">{job ? formatPercent(pct) : ""}</span>
          </div>
          <ProgressBar value={pct} tone="brand" label={label} valueText={job ? `${formatPercent(pct)}${job.message ? `: ${job.message}` : ""}` : "starting"} />
          <p role="status" className="truncate text-sm text-zinc-600 dark:text-zinc-400">
            {job ? sentence(job.message ?? "Starting…") : "Connecting…"}
          </p>
        </>
      )}
      {error != null && state !== "succeeded" && state !== "failed" && (
        <p role="alert" className="text-sm text-amber-700 dark:text-amber-300">
          Cannot follow its progress: {errorMessage(error)}
        </p>
      )}
    </div>
  );
}
