"use client";
// Firewall: the policy, every port rule with why it is there, allow/deny for admins (persisted in config.yaml and
// applied at once), and whether the kernel holds what the config says.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Badge } from "~/components/badge";
import { Button } from "~/components/button";
import { Card } from "~/components/card";
import { DataTable, Td } from "~/components/data-table";
import { QueryError } from "~/components/error-state";
import { errorMessage } from "~/components/errors";
import { TextField } from "~/components/field";
import { Notice } from "~/components/notice";
import { PageHeader } from "~/components/page-header";
import { firewallTone, SecurityPanel } from "~/components/security-panel";
import { SkeletonText } from "~/components/skeleton";
import { useTRPC } from "~/components/trpc";
import { useMe } from "~/components/use-me";

const STATE_TEXT: Record<string, string> = {
  loaded: "The kernel holds exactly these rules.",
  stale: "The kernel holds different rules: apply again.",
  absent: "No MaculaOS rules are loaded: apply them.",
  offline: "Development device: the rules are rendered and checked, not applied to this machine.",
};

/** The firewall page. */
export default function FirewallPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { isAdmin } = useMe();
  const fw = useQuery(trpc.firewall.show.queryOptions(undefined, { refetchInterval: 10_000 }));
  const [rule, setRule] = useState("");
  const [result, setResult] = useState<{ tone: "success" | "danger"; text: string } | null>(null);
  const done = (verb: string) => ({
    onSuccess: async (r: { applied: boolean; ms: number; rules: number }) => {
      setResult({ tone: "success", text: `${verb}: ${r.rules} port rules ${r.applied ? "applied" : "checked"} in ${r.ms} ms.` });
      setRule("");
      await queryClient.invalidateQueries({ queryKey: trpc.firewall.show.queryKey() });
      await queryClient.invalidateQueries({ queryKey: trpc.security.status.queryKey() });
    },
    onError: (err: unknown) => setResult({ tone: "danger", text: errorMessage(err) }),
  });
  const allow = useMutation(trpc.firewall.allow.mutationOptions(done("Allowed")));
  const deny = useMutation(trpc.firewall.deny.mutationOptions(done("Denied")));
  const apply = useMutation(trpc.firewall.applyRules.mutationOptions(done("Applied")));
  const valid = /^\d{1,5}\/(tcp|udp)$/.test(rule.trim());
  const submit = (verb: "allow" | "deny") => (e?: FormEvent) => {
    e?.preventDefault();
    if (valid) (verb === "allow" ? allow : deny).mutate({ rule: rule.trim() });
  };
  const busy = allow.isPending || deny.isPending || apply.isPending;

  return (
    <>
      <PageHeader
        title="Firewall"
        description="Inbound traffic is dropped unless a rule below lets it in. Rules come from config.yaml and are applied atomically with nftables."
        actions={
          isAdmin && (
            <Button variant="secondary" size="sm" loading={apply.isPending} disabled={busy} onClick={() => apply.mutate()}>
              Apply again
            </Button>
          )
        }
      />
      {result && (
        <Notice tone={result.tone} role={result.tone === "danger" ? "alert" : "status"} className="mb-4">
          {result.text}
        </Notice>
      )}
      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Rules" className="lg:col-span-2" aria-busy={fw.isPending}>
          {fw.isPending ? (
            <SkeletonText lines={6} />
          ) : fw.isError ? (
            <QueryError title="Could not load the firewall" query={fw} />
          ) : (
            <>
              <p className="mb-3 flex flex-wrap items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300">
                <Badge tone={firewallTone(fw.data.state)} >{fw.data.state}</Badge>
                <span data-testid="firewall-state">{STATE_TEXT[fw.data.state]}</span>
                <span className="text-zinc-500">({fw.data.where})</span>
              </p>
              <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">Always allowed: {fw.data.always.join("; ")}.</p>
              <DataTable caption="Firewall port rules in order" data-testid="firewall-rules" columns={["Port", "Action", "Why"]}>
                {fw.data.rules.map((r) => (
                  <tr key={`${r.port}/${r.proto}/${r.action}`}>
                    <Td className="font-mono">
                      {r.port}/{r.proto}
                    </Td>
                    <Td>
                      <Badge tone={r.action === "accept" ? "success" : "danger"}>{r.action}</Badge>
                    </Td>
                    <Td className="text-zinc-600 dark:text-zinc-400">{r.note}</Td>
                  </tr>
                ))}
              </DataTable>
            </>
          )}
        </Card>
        <div className="space-y-4">
          {isAdmin && (
            <Card title="Allow or deny a port">
              <form onSubmit={submit("allow")} className="space-y-3">
                <TextField label="Port and protocol" hint="Like 8080/tcp or 3478/udp; saved in config.yaml." value={rule} onChange={(e) => setRule(e.target.value)} placeholder="8080/tcp" autoComplete="off" spellCheck={false} className="font-mono" />
                <div className="flex gap-2">
                  <Button type="submit" disabled={!valid || busy} loading={allow.isPending}>
                    Allow
                  </Button>
                  <Button variant="danger" disabled={!valid || busy} loading={deny.isPending} onClick={() => submit("deny")()}>
                    Deny
                  </Button>
                </div>
              </form>
            </Card>
          )}
          <SecurityPanel />
        </div>
      </div>
    </>
  );
}
