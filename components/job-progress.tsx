"use client";
// A running job's live progress (polled, so it works wherever the API answers) and a helper to upload a backup file.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { Notice } from "./notice";
import { ProgressBar } from "./progress-bar";
import { useTRPC, type RouterOutputs } from "./trpc";

/** A job as the API reports it. */
export type Job = RouterOutputs["jobs"]["get"];

/** Follows job `id` until it ends; calls `onEnd` once with the final state. */
export function JobProgress({ id, title, onEnd }: { id: string; title: string; onEnd?: (job: Job) => void }) {
  const trpc = useTRPC();
  const job = useQuery(trpc.jobs.get.queryOptions({ id }, { refetchInterval: (q) => (q.state.data?.state === "running" || !q.state.data ? 400 : false) }));
  const ended = useRef(false);
  const j = job.data;
  useEffect(() => {
    if (j && j.state !== "running" && !ended.current) {
      ended.current = true;
      onEnd?.(j);
    }
  }, [j, onEnd]);
  if (!j) return <ProgressBar value={0} label={title} tone="brand" />;
  if (j.state === "failed") return <Notice tone="danger" role="alert" title={`${title} failed`}>{j.error}</Notice>;
  if (j.state === "succeeded") return <Notice tone="success" role="status" title={`${title} done`}>{j.message}</Notice>;
  const pct = Math.round(j.progress * 100);
  return (
    <div role="status" className="space-y-1.5">
      <div className="flex justify-between text-sm text-zinc-700 dark:text-zinc-300">
        <span>{j.message ?? title}</span>
        <span className="tabular-nums">{pct}%</span>
      </div>
      <ProgressBar value={pct} label={title} valueText={`${pct}% ${j.message ?? ""}`} tone="brand" />
    </div>
  );
}

/** Uploads `file` to the node's backup directory with progress; `setupCode` authorises it during the wizard. */
export function uploadBackup(file: File, onProgress: (fraction: number) => void, setupCode?: string): Promise<{ name: string; size: number }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", `/api/backups/upload/${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("x-maculaos-csrf", "1");
    if (setupCode) xhr.setRequestHeader("x-maculaos-setup-code", setupCode);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: { name?: string; size?: number; error?: string } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // not JSON: reported below
      }
      if (xhr.status === 201) resolve({ name: body.name ?? file.name, size: body.size ?? file.size });
      else reject(new Error(body.error ?? `upload failed (HTTP ${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error("upload failed: the node did not answer"));
    xhr.send(file);
  });
}
