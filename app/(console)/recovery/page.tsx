"use client";
// Recovery: repair (each step with its outcome), restore (a file on the node or an upload), factory reset with a typed
// confirmation, and a shell (the terminal page). In recovery mode (GRUB's recovery entry) an admin lands here, and the
// shell's banner says so on every page.
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Badge } from "~/components/badge";
import { Button, buttonClass } from "~/components/button";
import { Card } from "~/components/card";
import { errorMessage } from "~/components/errors";
import { RadioCards, TextField } from "~/components/field";
import { Notice } from "~/components/notice";
import { PageHeader } from "~/components/page-header";
import { useTRPC } from "~/components/trpc";
import { RestoreCard } from "./restore-card";

const STATUS_TONE = { ok: "success", fixed: "warning", failed: "danger" } as const;

/** The recovery page. */
export default function RecoveryPage() {
  const trpc = useTRPC();
  const status = useQuery(trpc.recovery.status.queryOptions());
  const repair = useMutation(trpc.recovery.repair.mutationOptions());
  // After a reset the wizard opens by itself, unless the reset has something to say (then the person opens it).
  const factory = useMutation(trpc.recovery.factory.mutationOptions({ onSuccess: (r) => void (r.warning ?? setTimeout(() => window.location.assign("/setup"), 1500)) }));
  const [mode, setMode] = useState<"keep-network" | "full">("keep-network");
  const [confirm, setConfirm] = useState("");

  return (
    <>
      <PageHeader title="Recovery" description="Repair what broke, restore a backup, reset this node to a fresh start, or open a shell." />
      <div className="space-y-6">
        {status.data?.configProblem && (
          <Notice tone="danger" role="alert" title="The config on disk is invalid">
            {status.data.configProblem}
          </Notice>
        )}

        <Card title="Repair" description="Checks the boot env, the database (integrity_check), the config, permissions, stuck jobs and free space, and fixes what it can.">
          <Button onClick={() => repair.mutate()} loading={repair.isPending}>
            Run repair
          </Button>
          {repair.error && (
            <Notice tone="danger" role="alert" className="mt-4">
              {errorMessage(repair.error)}
            </Notice>
          )}
          {repair.data && (
            <ul className="mt-4 space-y-2" aria-label="Repair steps">
              {repair.data.steps.map((s) => (
                <li key={s.step} className="flex items-start gap-3 text-sm">
                  <Badge tone={STATUS_TONE[s.status]} className="w-14 justify-center">
                    {s.status}
                  </Badge>
                  <span className="w-24 shrink-0 font-medium">{s.step}</span>
                  <span className="text-zinc-700 dark:text-zinc-300">{s.detail}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <RestoreCard />

        <Card title="Factory reset" description="Erases this node's data and brings back the setup wizard with a new setup code (shown on the node's console and by maculaos setup-code).">
          <form
            className="space-y-4"
            onSubmit={(e) => {
              e.preventDefault();
              if (confirm === "RESET") factory.mutate({ mode, confirm });
            }}
          >
            <RadioCards
              legend="What to erase"
              name="factory-mode"
              columns={2}
              value={mode}
              onChange={setMode}
              options={[
                { value: "keep-network", label: "Keep network", description: "Wipe config, database and service data; keep the network settings so the node stays reachable." },
                { value: "full", label: "Everything", description: "Also the network config, logs, stored backups, the repair snapshots and the backup passphrase file." },
              ]}
            />
            <TextField label="Type RESET to confirm" value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" spellCheck={false} className="max-w-xs font-mono" />
            <Button type="submit" variant="danger" loading={factory.isPending} disabled={confirm !== "RESET"}>
              Reset this node
            </Button>
            {factory.error && (
              <Notice tone="danger" role="alert">
                {errorMessage(factory.error)}
              </Notice>
            )}
            {factory.data && !factory.data.warning && (
              <Notice tone="success" role="status" title="Reset done">
                Opening the setup wizard…
              </Notice>
            )}
            {factory.data?.warning && (
              <Notice tone="warning" role="alert" title="Reset done, with one thing left">
                {factory.data.warning}. <a href="/setup" className="underline">Open the setup wizard</a>
              </Notice>
            )}
          </form>
        </Card>

        <Card title="Shell" description="A root shell on the node for what the buttons above cannot do.">
          <Link href="/terminal" className={buttonClass("secondary")}>
            Open a shell
          </Link>
          <p className="mt-3 text-sm text-zinc-700 dark:text-zinc-300">
            In the browser&apos;s terminal, or on the node&apos;s console (or over SSH) with <code className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono dark:bg-zinc-800">maculaos shell</code>, which prints the recovery state first; <code className="font-mono">exit</code> returns.
          </p>
        </Card>
      </div>
    </>
  );
}
