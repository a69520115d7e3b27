"use client";
// The wizard's "restore from a backup": on a fresh node, after the setup code is accepted, upload a backup (with its
// passphrase if encrypted) and restore it instead of answering the wizard; the node then has the backup's accounts.
import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Button } from "~/components/button";
import { errorMessage } from "~/components/errors";
import { PasswordField } from "~/components/field";
import { uploadBackup } from "~/components/upload-backup";
import { Notice } from "~/components/notice";
import { ProgressBar } from "~/components/progress-bar";
import { useTRPC } from "~/components/trpc";

/** The restore panel of the setup code step. */
export function RestoreFromBackup({ code }: { code: string }) {
  const trpc = useTRPC();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [pass, setPass] = useState("");
  const [uploaded, setUploaded] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const restore = useMutation(trpc.setup.restore.mutationOptions({ onSuccess: () => window.location.assign("/login"), onError: (e) => setError(errorMessage(e)) }));
  const encrypted = file?.name.endsWith(".enc") ?? false;
  const start = async () => {
    if (!file) return;
    setError(null);
    try {
      setUploaded(0);
      const r = await uploadBackup(file, setUploaded, code);
      restore.mutate({ code, file: r.name, passphrase: pass || undefined });
    } catch (e) {
      setError(errorMessage(e));
      setUploaded(null);
    }
  };
  return (
    <div className="space-y-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800" role="region" aria-label="Restore from a backup">
      <p className="text-sm font-medium">Or restore this node from a backup</p>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">A MaculaOS backup (.tar.gz, .tar.zst, .enc) brings back its config, accounts and service data. It is verified completely before anything changes.</p>
      <input id={fileId} type="file" accept=".gz,.tgz,.zst,.tzst,.enc" aria-label="Backup file" className="block text-sm" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      {encrypted && <PasswordField label="Passphrase" value={pass} onChange={(e) => setPass(e.target.value)} fieldClassName="sm:max-w-sm" />}
      {uploaded !== null && !error && <ProgressBar value={restore.isPending ? 100 : uploaded * 100} label="Restore" valueText={restore.isPending ? "restoring" : `${Math.round(uploaded * 100)}% uploaded`} tone="brand" />}
      {error && (
        <Notice tone="danger" role="alert">
          {error}
        </Notice>
      )}
      {restore.isSuccess && <Notice tone="success" role="status">Restored. Sign in with the backup&apos;s account…</Notice>}
      <Button type="button" variant="secondary" disabled={!file || (encrypted && !pass) || restore.isPending || (uploaded !== null && !error)} loading={restore.isPending} onClick={() => void start()}>
        Upload and restore
      </Button>
    </div>
  );
}
