"use client";
// Mesh: role, realm, the mesh daemon (node id, links), each bootstrap node's reachability with a latency chart, the
// local NATS bus, mesh ping, and WireGuard. Refreshed every 5 seconds.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Badge } from "~/components/badge";
import { Button } from "~/components/button";
import { Card } from "~/components/card";
import { CopyButton } from "~/components/copy-button";
import { DataTable, Td } from "~/components/data-table";
import { DefRow } from "~/components/def-row";
import { EmptyState } from "~/components/empty-state";
import { QueryError } from "~/components/error-state";
import { errorMessage } from "~/components/errors";
import { TextField } from "~/components/field";
import { LatencyChart } from "~/components/latency-chart";
import { Notice } from "~/components/notice";
import { PageHeader } from "~/components/page-header";
import { SkeletonText } from "~/components/skeleton";
import { useTRPC, type RouterOutputs } from "~/components/trpc";
import { useMe } from "~/components/use-me";

type Mesh = RouterOutputs["mesh"]["status"];

function Overview({ s }: { s: Mesh }) {
  return (
    <div className="grid gap-4 md:grid-cols-2">
      <Card title="This node">
        <dl className="space-y-3 text-sm">
          <DefRow label="Role">
            <Badge tone="brand">{s.role}</Badge>
          </DefRow>
          <DefRow label="Realm">
            <span className="font-mono">{s.realm}</span>
          </DefRow>
          <DefRow label="Node id">
            <span className="font-mono" data-testid="mesh-node-id">{s.daemon.nodeId ?? "unknown"}</span>
          </DefRow>
        </dl>
      </Card>
      <Card title="Mesh daemon">
        {s.daemon.running ? (
          <dl className="space-y-3 text-sm">
            <DefRow label="State">
              <Badge tone="success">running</Badge>
            </DefRow>
            <DefRow label="Links">
              <span data-testid="mesh-links">
                {s.daemon.linksUp} up, {s.daemon.linksDown} down
              </span>
            </DefRow>
            <DefRow label="Local bus">{s.bus.up ? `NATS ${s.bus.version}` : <Badge tone="danger">down</Badge>}</DefRow>
          </dl>
        ) : (
          <div className="space-y-3">
            <Notice tone="danger" title="The mesh daemon does not answer" role="status">
              <span data-testid="mesh-daemon-error">{s.daemon.error}</span>
            </Notice>
            <dl className="text-sm">
              <DefRow label="Local bus">{s.bus.up ? `NATS ${s.bus.version}` : <Badge tone="danger">down: {s.bus.error}</Badge>}</DefRow>
            </dl>
          </div>
        )}
      </Card>
    </div>
  );
}

function Bootstrap({ s }: { s: Mesh }) {
  const withHistory = s.bootstrap.filter((b) => b.history.length > 0);
  return (
    <Card title="Bootstrap nodes" description="Probed directly from this node (TCP connect to the mesh port; a refusal proves the host is there).">
      {s.bootstrap.length === 0 ? (
        <EmptyState title="No bootstrap nodes" description="Add mesh.bootstrap_nodes in Settings." />
      ) : (
        <>
          <DataTable caption="Bootstrap nodes and their reachability" data-testid="bootstrap-table" columns={["Node", "Reachable", "RTT"]}>
            {s.bootstrap.map((b) => (
              <tr key={b.node}>
                <Td className="font-mono">{b.node}</Td>
                <Td>{b.reachable ? <Badge tone="success">yes</Badge> : <Badge tone="danger" >no: {b.error}</Badge>}</Td>
                <Td className="font-mono">{b.rttMs === null ? "—" : `${b.rttMs} ms`}</Td>
              </tr>
            ))}
          </DataTable>
          {withHistory.length > 0 && (
            <div className="mt-4" data-testid="latency-chart">
              <h3 className="mb-2 text-sm font-medium text-zinc-700 dark:text-zinc-300">Latency</h3>
              <LatencyChart label="Round-trip time to each bootstrap node over the last minutes" series={withHistory.map((b) => ({ name: b.node, samples: b.history }))} />
            </div>
          )}
        </>
      )}
    </Card>
  );
}

function Ping() {
  const trpc = useTRPC();
  const [target, setTarget] = useState("");
  const [count, setCount] = useState(4);
  const ping = useMutation(trpc.mesh.ping.mutationOptions());
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (target.trim()) ping.mutate({ target: target.trim(), count });
  };
  const r = ping.data;
  return (
    <Card title="Mesh ping" description="ICMP echo for a host; TCP connects for host:port.">
      <form onSubmit={submit} className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <TextField label="Host" fieldClassName="flex-1" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="bootstrap.macula.io or 10.0.0.5:4433" spellCheck={false} autoComplete="off" className="font-mono" />
        <TextField label="Count" type="number" min={1} max={100} value={count} onChange={(e) => setCount(Math.min(100, Math.max(1, Number(e.target.value) || 1)))} className="sm:w-24" />
        <Button type="submit" loading={ping.isPending} disabled={!target.trim()}>
          Ping
        </Button>
      </form>
      {ping.isError && (
        <Notice tone="danger" role="alert" className="mt-3">
          {errorMessage(ping.error)}
        </Notice>
      )}
      {r && (
        <div className="mt-4 space-y-3" data-testid="ping-result" role="status">
          <p className="text-sm text-zinc-800 dark:text-zinc-200">
            <span className="font-mono">{r.target}</span> ({r.method}
            {r.port ? ` port ${r.port}` : ""}): {r.sent} sent, {r.received} received, {r.lossPercent}% loss
            {r.received > 0 && (
              <>
                {" "}
                · rtt min/avg/max <span className="font-mono">{r.minMs}/{r.avgMs}/{r.maxMs} ms</span>
              </>
            )}
          </p>
          {r.received > 0 && <LatencyChart label={`Ping replies from ${r.target}`} series={[{ name: r.target, samples: r.replies.map((x, i) => ({ at: new Date(i * 1000).toISOString(), rttMs: x.rttMs })) }]} />}
        </div>
      )}
    </Card>
  );
}

function WireGuard({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const wg = useQuery(trpc.wireguard.status.queryOptions(undefined, { refetchInterval: 10_000 }));
  const genkey = useMutation(trpc.wireguard.genkey.mutationOptions());
  return (
    <Card
      title="WireGuard"
      aria-busy={wg.isPending}
      actions={
        isAdmin && (
          <Button variant="secondary" size="sm" loading={genkey.isPending} onClick={() => genkey.mutate()}>
            Generate key pair
          </Button>
        )
      }
    >
      {wg.isPending ? (
        <SkeletonText lines={3} />
      ) : wg.isError ? (
        <QueryError title="Could not load WireGuard" query={wg} />
      ) : (
        <>
          <dl className="space-y-3 text-sm">
            <DefRow label="Enabled">{wg.data.enabled ? "yes" : "no"}</DefRow>
            <DefRow label={`Interface ${wg.data.interface}`}>{wg.data.up ? <Badge tone="success">up</Badge> : <Badge tone={wg.data.enabled ? "danger" : "neutral"}>{wg.data.enabled ? (wg.data.detail ?? "down") : "not in use"}</Badge>}</DefRow>
            <DefRow label="Listen port">
              <span className="font-mono">{wg.data.listenPort}/udp</span>
            </DefRow>
          </dl>
          {wg.data.peers.length > 0 && (
            <div className="mt-3">
              <DataTable caption="WireGuard peers" columns={["Peer", "Endpoint", "Handshake"]}>
                {wg.data.peers.map((p) => (
                  <tr key={p.publicKey}>
                    <Td className="max-w-40 truncate font-mono text-xs">{p.publicKey}</Td>
                    <Td className="font-mono text-xs">{p.endpoint}</Td>
                    <Td>{p.live?.latestHandshake ?? "never"}</Td>
                  </tr>
                ))}
              </DataTable>
            </div>
          )}
        </>
      )}
      {genkey.data && (
        <Notice tone="info" className="mt-3" title="New key pair (shown once)">
          <p className="mt-1 break-all font-mono text-xs">Private: {genkey.data.privateKey}</p>
          <p className="break-all font-mono text-xs">Public: {genkey.data.publicKey}</p>
          <p className="mt-2 text-xs">Keep the private key in the environment as WIREGUARD_PRIVATE_KEY; give peers the public key.</p>
          <div className="mt-2">
            <CopyButton text={genkey.data.publicKey} label="Copy public key" />
          </div>
        </Notice>
      )}
    </Card>
  );
}

/** The mesh page. */
export default function MeshPage() {
  const trpc = useTRPC();
  const { isAdmin } = useMe();
  const mesh = useQuery(trpc.mesh.status.queryOptions(undefined, { refetchInterval: 5_000 }));
  return (
    <>
      <PageHeader title="Mesh" description="This node's place in the Macula mesh, refreshed every 5 seconds." />
      {mesh.isPending ? (
        <SkeletonText lines={8} />
      ) : mesh.isError ? (
        <QueryError title="Could not load the mesh status" query={mesh} />
      ) : (
        <div className="space-y-4">
          <Overview s={mesh.data} />
          <Bootstrap s={mesh.data} />
          <div className="grid gap-4 lg:grid-cols-2">
            {isAdmin && <Ping />}
            <WireGuard isAdmin={isAdmin} />
          </div>
        </div>
      )}
    </>
  );
}
