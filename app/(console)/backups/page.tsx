"use client";
// Backups: the last good backup (with a warning when it is old), a backup now (parts, encryption), the stored backups
// with verify, download and restore, and uploads; every long step shows a progress bar.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useId, useState, type FormEvent } from "react";
import { Badge } from "~/components/badge";
import { Button, buttonClass } from "~/components/button";
import { Card } from "~/components/card";
import { ConfirmButton } from "~/components/confirm-button";
import { ACTIONS_COLUMN, DataTable, Td, TimeTd } from "~/components/data-table";
import { EmptyState } from "~/components/empty-state";
import { QueryError } from "~/components/error-state";
import { errorMessage } from "~/components/errors";
import { CheckboxField, PasswordField } from "~/components/field";
import { formatBytes } from "~/components/format";
import { JobProgress } from "~/components/job-progress";
import { uploadBackup } from "~/components/upload-backup";
import { Notice } from "~/components/notice";
import { PageHeader } from "~/components/page-header";
import { ProgressBar } from "~/components/progress-bar";
import { RelativeTime } from "~/components/relative-time";
import { SkeletonText } from "~/components/skeleton";
import { useTRPC } from "~/components/trpc";
import { useNow } from "~/components/use-now";

type Running = { id: string; title: string; done: boolean } | null;

/** The backups page. */
export default function BackupsPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const now = useNow();
  const list = useQuery(trpc.backups.list.queryOptions(undefined, { refetchInterval: 15_000 }));
  const [running, setRunning] = useState<Running>(null);
  const [excluded, setExcluded] = useState<string[]>([]);
  const [encrypt, setEncrypt] = useState(false);
  const [pass, setPass] = useState("");
  const [pass2, setPass2] = useState("");
  const [restoring, setRestoring] = useState<{ name: string; encrypted: boolean } | null>(null);
  const [restorePass, setRestorePass] = useState("");
  const [upload, setUpload] = useState<{ fraction: number; error?: string; done?: string } | null>(null);
  const fileId = useId();
  const refresh = useCallback(() => void qc.invalidateQueries({ queryKey: trpc.backups.list.queryKey() }), [qc, trpc]);
  const started = (title: string) => (job: { id: string }) => setRunning({ id: job.id, title, done: false });
  const onJobEnd = useCallback(() => {
    setRunning((r) => r && { ...r, done: true });
    refresh();
  }, [refresh]);
  const create = useMutation(trpc.backups.create.mutationOptions({ onSuccess: started("Backup") }));
  const verify = useMutation(trpc.backups.verify.mutationOptions({ onSuccess: started("Verification") }));
  const restore = useMutation(trpc.backups.restore.mutationOptions({ onSuccess: (j) => (setRestoring(null), setRestorePass(""), started("Restore")(j)) }));
  const busy = (running !== null && !running.done) || create.isPending || verify.isPending || restore.isPending;
  const passProblem = encrypt && pass.length > 0 && pass.length < 8 ? "at least 8 characters" : encrypt && pass2 && pass2 !== pass ? "the two passphrases differ" : undefined;
  const mutationError = create.error ?? verify.error ?? restore.error;

  const onCreate = (e: FormEvent) => {
    e.preventDefault();
    if (encrypt && (pass.length < 8 || pass !== pass2)) return;
    create.mutate({ exclude: excluded.length ? excluded : undefined, passphrase: encrypt ? pass : undefined });
  };
  const onUpload = async (file: File | undefined) => {
    if (!file) return;
    setUpload({ fraction: 0 });
    try {
      const r = await uploadBackup(file, (fraction) => setUpload({ fraction }));
      setUpload({ fraction: 1, done: `${r.name} uploaded (${formatBytes(r.size)})` });
      refresh();
    } catch (err) {
      setUpload({ fraction: 0, error: errorMessage(err) });
    }
  };

  const data = list.data;
  return (
    <>
      <PageHeader title="Backups" description="The data state of this node: config, database and service data, verified after writing." />
      {list.isError ? (
        <QueryError title="Cannot load the backups" query={list} />
      ) : !data ? (
        <SkeletonText lines={4} />
      ) : (
        <div className="space-y-6">
          {data.lastGood && !data.stale ? (
            <Notice tone="success" role="status" title="Last good backup">
              <RelativeTime at={String(data.lastGood.at)} now={now} /> ({data.lastGood.verified ? "verified" : "not verified"}, {formatBytes(data.lastGood.size)}): <span className="font-mono">{data.lastGood.file}</span>
            </Notice>
          ) : (
            <Notice tone="warning" role="status" title={data.lastGood ? "The last good backup is old" : "No backup yet"}>
              {data.lastGood ? (
                <>
                  It was taken <RelativeTime at={String(data.lastGood.at)} now={now} />. Take one now.
                </>
              ) : (
                "Take one now; without a backup a failed disk loses this node's data."
              )}{" "}
              {data.schedule ? `Scheduled daily at ${data.schedule}.` : "Set backup.schedule in Settings for daily backups."}
            </Notice>
          )}

          {running && (
            <Card title={running.title}>
              <JobProgress key={running.id} id={running.id} label={running.title} onDone={onJobEnd} />
              <Button variant="secondary" size="sm" className="mt-3" onClick={() => setRunning(null)}>
                Dismiss
              </Button>
            </Card>
          )}
          {mutationError && (
            <Notice tone="danger" role="alert" title="Refused">
              {errorMessage(mutationError)}
            </Notice>
          )}

          <Card title="Back up now" description={`Into ${data.dir}. Every file is hashed into a manifest and the archive is read back and checked.`}>
            <form onSubmit={onCreate} className="space-y-4">
              <fieldset>
                <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Parts</legend>
                <div className="mt-2 flex flex-wrap gap-x-6 gap-y-2">
                  {data.parts.map((p) => (
                    <CheckboxField
                      key={p}
                      label={p === "config" ? "Config" : p === "database" ? "Database" : `Service: ${p}`}
                      checked={!excluded.includes(p)}
                      onChange={(e) => setExcluded((x) => (e.target.checked ? x.filter((n) => n !== p) : [...x, p]))}
                    />
                  ))}
                </div>
              </fieldset>
              <CheckboxField label="Encrypt" description="AES-256-GCM with a passphrase (scrypt). Without the passphrase this backup cannot be restored: store it somewhere safe." checked={encrypt} onChange={(e) => setEncrypt(e.target.checked)} />
              {encrypt && (
                <div className="grid gap-4 sm:grid-cols-2">
                  <PasswordField label="Passphrase" value={pass} onChange={(e) => setPass(e.target.value)} autoComplete="new-password" error={pass.length > 0 && pass.length < 8 ? passProblem : undefined} />
                  <PasswordField label="Passphrase again" value={pass2} onChange={(e) => setPass2(e.target.value)} autoComplete="new-password" error={pass2 && pass2 !== pass ? passProblem : undefined} />
                </div>
              )}
              <Button type="submit" loading={create.isPending} disabled={busy || excluded.length === data.parts.length || (encrypt && (pass.length < 8 || pass !== pass2))}>
                Back up now
              </Button>
            </form>
          </Card>

          <Card
            title="Stored backups"
            actions={
              <label htmlFor={fileId} className={buttonClass("secondary", "sm", "cursor-pointer")}>
                Upload a backup
                <input id={fileId} type="file" accept=".gz,.tgz,.zst,.tzst,.enc" className="sr-only" disabled={busy} onChange={(e) => void onUpload(e.target.files?.[0])} />
              </label>
            }
          >
            {upload && (
              <div className="mb-4">
                {upload.error ? (
                  <Notice tone="danger" role="alert" title="Upload failed">{upload.error}</Notice>
                ) : upload.done ? (
                  <Notice tone="success" role="status">{upload.done}</Notice>
                ) : (
                  <ProgressBar value={upload.fraction * 100} label="Upload" valueText={`${Math.round(upload.fraction * 100)}% uploaded`} tone="brand" />
                )}
              </div>
            )}
            {restoring && (
              <div className="mb-4 rounded-lg border border-amber-300 p-4 dark:border-amber-800" role="region" aria-label={`Restore ${restoring.name}`}>
                <p className="text-sm">
                  Restoring <span className="font-mono">{restoring.name}</span> replaces this node&apos;s data. It is verified first (integrity, passphrase, free space); on any problem nothing changes.
                </p>
                {restoring.encrypted && <PasswordField label="Passphrase" value={restorePass} onChange={(e) => setRestorePass(e.target.value)} fieldClassName="mt-3 max-w-sm" autoFocus />}
                <div className="mt-3 flex gap-2">
                  <Button variant="danger" loading={restore.isPending} disabled={busy || (restoring.encrypted && !restorePass)} onClick={() => restore.mutate({ file: restoring.name, passphrase: restoring.encrypted ? restorePass : undefined })}>
                    Restore
                  </Button>
                  <Button variant="secondary" onClick={() => setRestoring(null)}>
                    Cancel
                  </Button>
                </div>
              </div>
            )}
            {data.backups.length === 0 ? (
              <EmptyState title="No stored backups" description={`Backups taken here or uploaded appear in ${data.dir}.`} />
            ) : (
              <DataTable caption="Stored backups" columns={["Name", "Taken", "Size", "From", ACTIONS_COLUMN]}>
                {data.backups.map((b) => (
                  <tr key={b.name} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
                    <Td className="font-mono text-xs">
                      {b.name} {b.encrypted && <Badge tone="info">encrypted</Badge>}
                    </Td>
                    <TimeTd at={String(b.modifiedAt)} now={now} />
                    <Td>{formatBytes(b.size)}</Td>
                    <Td>{b.header ? `${b.header.hostname} ${b.header.version}, ${b.header.files} files` : b.encrypted ? "(encrypted)" : "not readable"}</Td>
                    <Td className="text-right whitespace-nowrap">
                      <div className="flex justify-end gap-2">
                        <Button variant="ghost" size="sm" disabled={busy || b.encrypted} title={b.encrypted ? "verify encrypted backups with maculaos backup verify" : undefined} onClick={() => verify.mutate({ file: b.name })}>
                          Verify
                        </Button>
                        <a className={buttonClass("ghost", "sm")} href={`/api/backups/download/${encodeURIComponent(b.name)}`} download>
                          Download
                        </a>
                        <ConfirmButton label="Restore" confirmLabel="Continue" question="Replace this node's data?" disabled={busy} onConfirm={() => setRestoring({ name: b.name, encrypted: b.encrypted })} />
                      </div>
                    </Td>
                  </tr>
                ))}
              </DataTable>
            )}
          </Card>
        </div>
      )}
    </>
  );
}
