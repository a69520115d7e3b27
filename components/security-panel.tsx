"use client";
// The dashboard's security panel (secure boot, firewall summary, open ports) and its embedded services list.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Badge, type BadgeTone } from "./badge";
import { buttonClass } from "./button";
import { Card } from "./card";
import { DataTable, Td } from "./data-table";
import { DefRow } from "./def-row";
import { EmptyState } from "./empty-state";
import { QueryError } from "./error-state";
import { SkeletonText } from "./skeleton";
import { useTRPC } from "./trpc";

const SB_TONES: Record<string, BadgeTone> = { enabled: "success", disabled: "warning", unsupported: "neutral", unknown: "neutral" };
const FW_TONES: Record<string, BadgeTone> = { loaded: "success", stale: "warning", absent: "danger", offline: "neutral" };

/** A tone for a service state word (systemd's or ours). */
export function stateTone(state: string): BadgeTone {
  return state === "running" || state === "active" ? "success" : state === "failed" ? "danger" : state === "activating" ? "info" : "neutral";
}

/** A tone for the firewall's state. */
export function firewallTone(state: string): BadgeTone {
  return FW_TONES[state] ?? "neutral";
}

/** Secure boot, the firewall summary and the open ports. */
export function SecurityPanel() {
  const trpc = useTRPC();
  const q = useQuery(trpc.security.status.queryOptions(undefined, { refetchInterval: 15_000 }));
  const s = q.data;
  return (
    <Card
      title="Security"
      aria-busy={q.isPending}
      data-testid="security-panel"
      actions={
        <Link href="/firewall" className={buttonClass("ghost", "sm")}>
          Firewall
        </Link>
      }
    >
      {q.isPending ? (
        <SkeletonText lines={4} />
      ) : q.isError ? (
        <QueryError title="Could not load the security state" query={q} />
      ) : (
        <>
          <dl className="space-y-3 text-sm">
            <DefRow label="Secure boot">
              <span title={s!.secureBoot.detail}>
                <Badge tone={SB_TONES[s!.secureBoot.state] ?? "neutral"}>{s!.secureBoot.state}</Badge>
                {s!.secureBoot.wanted && s!.secureBoot.state !== "enabled" && <span className="ml-2 text-xs text-amber-700 dark:text-amber-300">wanted, not active</span>}
              </span>
            </DefRow>
            <DefRow label="Firewall">
              <Badge tone={firewallTone(s!.firewall.state)}>{s!.firewall.state}</Badge> <span className="text-zinc-600 dark:text-zinc-400">{s!.firewall.policy}</span>
            </DefRow>
            <div className="flex items-start justify-between gap-3">
              <dt className="text-zinc-600 dark:text-zinc-400">Allowed in</dt>
              <dd className="text-right font-mono text-xs text-zinc-900 dark:text-zinc-100">{s!.firewall.accepted.join(" ")}</dd>
            </div>
          </dl>
          <h3 className="mt-4 mb-2 text-sm font-medium text-zinc-700 dark:text-zinc-300">Open ports</h3>
          {s!.openPorts.length === 0 ? (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">Nothing listens.</p>
          ) : (
            <ul className="flex flex-wrap gap-1.5" aria-label="Listening ports">
              {s!.openPorts.map((p) => (
                <li key={`${p.proto}${p.address}${p.port}`} title={`${p.address}: ${p.firewall === "local only" ? "loopback only" : `firewall ${p.firewall === "accept" ? "lets it in" : "drops it"}`}`}>
                  <Badge tone={p.firewall === "accept" ? "warning" : "neutral"}>
                    {p.port}/{p.proto}
                    {p.firewall === "local only" ? " local" : p.firewall === "drop" ? " blocked" : " open"}
                  </Badge>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Card>
  );
}

/** Each embedded service with its state and port. */
export function EmbeddedServices() {
  const trpc = useTRPC();
  const q = useQuery(trpc.security.services.queryOptions(undefined, { refetchInterval: 15_000 }));
  return (
    <Card title="Embedded services" aria-busy={q.isPending} className="lg:col-span-2" data-testid="embedded-services">
      {q.isPending ? (
        <SkeletonText lines={6} />
      ) : q.isError ? (
        <QueryError title="Could not load the embedded services" query={q} />
      ) : q.data.length === 0 ? (
        <EmptyState title="No embedded services" description="This node runs none." />
      ) : (
        <DataTable caption="Embedded services" columns={["Service", "State", "Port", "What it does"]}>
          {q.data.map((s) => (
            <tr key={s.name}>
              <Td className="font-mono whitespace-nowrap">{s.name}</Td>
              <Td>{s.enabled ? <Badge tone={stateTone(s.state)}>{s.state}</Badge> : <Badge>disabled</Badge>}</Td>
              <Td className="font-mono text-xs">{s.port === null ? "—" : `${s.port}/${s.proto}`}</Td>
              <Td className="text-zinc-600 dark:text-zinc-400">{s.description}</Td>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}
