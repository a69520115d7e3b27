"use client";
// The Recovery page's restore: a backup file already on the node (an absolute path or a stored backup's name) or one
// uploaded from this computer, with its passphrase when it is encrypted; confirmed, then followed as a job.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { Button } from "~/components/button";
import { Card } from "~/components/card";
import { errorMessage } from "~/components/errors";
import { PasswordField, RadioCards, TextField } from "~/components/field";
import { JobProgress } from "~/components/job-progress";
import { Notice } from "~/components/notice";
import { ProgressBar } from "~/components/progress-bar";
import { useTRPC } from "~/components/trpc";
import { uploadBackup } from "~/components/upload-backup";

type Source = "node" | "upload";

/** Restore from a file on the node or an upload. */
export function RestoreCard() {
  const trpc = useTRPC();
  const list = useQuery(trpc.backups.list.queryOptions());
  const listId = useId();
  const fileId = useId();
  const [source, setSource] = useState<Source>("node");
  const [path, setPath] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [pass, setPass] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [uploaded, setUploaded] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [job, setJob] = useState<{ id: string; done: boolean } | null>(null);
  const restore = useMutation(trpc.backups.restore.mutationOptions({ onSuccess: (j) => setJob({ id: j.id, done: false }), onError: (e) => setError(errorMessage(e)) }));
  const chosen = source === "node" ? path.trim() : (file?.name ?? "");
  const busy = restore.isPending || (uploaded !== null && uploaded < 1 && !error) || (job !== null && !job.done);

  const run = async () => {
    setConfirming(false);
    setError(null);
    setJob(null);
    let target = chosen;
    if (source === "upload" && file) {
      try {
        setUploaded(0);
        target = (await uploadBackup(file, setUploaded)).name;
      } catch (e) {
        setError(errorMessage(e));
        setUploaded(null);
        return;
      }
    }
    restore.mutate({ file: target, passphrase: pass || undefined });
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (chosen && !busy) setConfirming(true);
  };

  return (
    <Card title="Restore" description="A backup is verified completely (integrity, passphrase, free space) before anything changes, then swapped in atomically.">
      <form className="space-y-4" onSubmit={onSubmit} aria-label="Restore a backup">
        <RadioCards
          legend="Where the backup is"
          name="restore-source"
          columns={2}
          value={source}
          onChange={(s) => {
            setSource(s);
            setConfirming(false);
          }}
          options={[
            { value: "node", label: "A file on this node", description: "An absolute path (a USB stick under /mnt) or a stored backup's name." },
            { value: "upload", label: "Upload from this computer", description: "A .tar.gz, .tar.zst or .enc backup, sent to the node first." },
          ]}
        />
        {source === "node" ? (
          <>
            <TextField
              label="Backup file"
              hint={list.data ? `For example /mnt/usb/backup.tar.gz, or a backup in ${list.data.dir}` : "For example /mnt/usb/backup.tar.gz"}
              value={path}
              onChange={(e) => {
                setPath(e.target.value);
                setConfirming(false);
              }}
              list={listId}
              autoComplete="off"
              spellCheck={false}
              className="font-mono"
              fieldClassName="max-w-xl"
            />
            <datalist id={listId}>
              {list.data?.backups.map((b) => <option key={b.name} value={b.name} />)}
            </datalist>
          </>
        ) : (
          <div>
            <label htmlFor={fileId} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
              Backup file
            </label>
            <input
              id={fileId}
              type="file"
              accept=".gz,.tgz,.zst,.tzst,.enc"
              className="mt-1.5 block text-sm"
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                setConfirming(false);
              }}
            />
          </div>
        )}
        <PasswordField label="Passphrase" optional hint="Only for an encrypted backup." value={pass} onChange={(e) => setPass(e.target.value)} autoComplete="off" fieldClassName="max-w-sm" />
        {confirming ? (
          <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Confirm the restore">
            <span className="text-sm">Replace this node&apos;s data with {chosen}?</span>
            <Button type="button" variant="danger" onClick={() => void run()} autoFocus>
              Restore
            </Button>
            <Button type="button" variant="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        ) : (
          <Button type="submit" variant="secondary" disabled={!chosen || busy} loading={restore.isPending}>
            {source === "upload" ? "Upload and restore…" : "Restore…"}
          </Button>
        )}
        {uploaded !== null && uploaded < 1 && !error && <ProgressBar value={uploaded * 100} label="Upload" valueText={`${Math.round(uploaded * 100)}% uploaded`} tone="brand" />}
        {error && (
          <Notice tone="danger" role="alert" title="Not restored: nothing was changed">
            {error}
          </Notice>
        )}
        {job && <JobProgress key={job.id} id={job.id} label="Restore" onDone={() => setJob((j) => j && { ...j, done: true })} />}
      </form>
    </Card>
  );
}
