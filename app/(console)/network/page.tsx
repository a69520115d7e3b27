"use client";
// Network: interfaces with link state and addresses, routes, DNS and time sync, read from the kernel. An admin can
// change an interface; the change is applied at once and reverted after 60 seconds unless confirmed here, so a
// wrong address never strands the node.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { Badge } from "~/components/badge";
import { Button } from "~/components/button";
import { Card } from "~/components/card";
import { DataTable, Td } from "~/components/data-table";
import { DefRow } from "~/components/def-row";
import { QueryError } from "~/components/error-state";
import { errorMessage } from "~/components/errors";
import { SelectField, TextField } from "~/components/field";
import { Notice } from "~/components/notice";
import { PageHeader } from "~/components/page-header";
import { SkeletonText } from "~/components/skeleton";
import { useTRPC, type RouterOutputs } from "~/components/trpc";
import { useMe } from "~/components/use-me";
import { useNow } from "~/components/use-now";

type Status = RouterOutputs["network"]["status"];

function Pending() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const now = useNow(1000);
  const pending = useQuery(trpc.network.pending.queryOptions(undefined, { refetchInterval: 2_000 }));
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.network.pending.queryKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.network.status.queryKey() });
  };
  const confirm = useMutation(trpc.network.confirm.mutationOptions({ onSuccess: refresh }));
  const revert = useMutation(trpc.network.revert.mutationOptions({ onSuccess: refresh }));
  const p = pending.data;
  if (!p) return null;
  const left = Math.max(0, Math.floor((Date.parse(p.deadline) - now) / 1000));
  return (
    <Notice tone="warning" role="alert" className="mb-4" title={`Keep these network settings? They revert in ${left} s.`}>
      <p>Changed by {p.by}. If this page still answers, the new settings work: keep them. Otherwise do nothing and the node goes back to its previous settings.</p>
      <div className="mt-3 flex gap-2">
        <Button size="sm" loading={confirm.isPending} onClick={() => confirm.mutate()}>
          Keep settings
        </Button>
        <Button size="sm" variant="secondary" loading={revert.isPending} onClick={() => revert.mutate()}>
          Revert now
        </Button>
      </div>
      {(confirm.isError || revert.isError) && <p className="mt-2">{errorMessage(confirm.error ?? revert.error)}</p>}
    </Notice>
  );
}

function EditInterface({ s }: { s: Status }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const configured = s.interfaces.filter((i) => i.name !== "lo");
  const [name, setName] = useState(configured.find((i) => i.configured)?.name ?? configured[0]?.name ?? "");
  const current = s.interfaces.find((i) => i.name === name)?.configured;
  const [mode, setMode] = useState<"dhcp" | "static">(current && !current.dhcp ? "static" : "dhcp");
  const [address, setAddress] = useState(current && !current.dhcp ? current.address : "");
  const [gateway, setGateway] = useState(current && !current.dhcp ? current.gateway : "");
  const [dns, setDns] = useState(current && !current.dhcp ? current.dns.join(", ") : "");
  useEffect(() => {
    if (!current) return;
    setMode(current.dhcp ? "dhcp" : "static");
    if (!current.dhcp) {
      setAddress(current.address);
      setGateway(current.gateway);
      setDns(current.dns.join(", "));
    }
  }, [name]); // reset the form when another interface is picked
  const set = useMutation(
    trpc.network.set.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.network.pending.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.network.status.queryKey() });
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const others = s.interfaces.filter((i) => i.configured && i.name !== name).map((i) => i.configured!);
    const mine = mode === "dhcp" ? { name, dhcp: true } : { name, address: address.trim(), gateway: gateway.trim(), dns: dns.split(/[\s,]+/).filter(Boolean) };
    set.mutate({ interfaces: [...others, mine] });
  };
  return (
    <Card title="Change an interface" description="Applied at once; reverted after 60 s unless you keep it.">
      <form onSubmit={submit} className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2">
          <SelectField label="Interface" value={name} onChange={(e) => setName(e.target.value)}>
            {configured.map((i) => (
              <option key={i.name}>{i.name}</option>
            ))}
          </SelectField>
          <SelectField label="Addressing" value={mode} onChange={(e) => setMode(e.target.value === "static" ? "static" : "dhcp")}>
            <option value="dhcp">DHCP</option>
            <option value="static">Static</option>
          </SelectField>
        </div>
        {mode === "static" && (
          <div className="grid gap-3 sm:grid-cols-3">
            <TextField label="Address/prefix" value={address} onChange={(e) => setAddress(e.target.value)} placeholder="192.168.1.100/24" className="font-mono" />
            <TextField label="Gateway" value={gateway} onChange={(e) => setGateway(e.target.value)} placeholder="192.168.1.1" className="font-mono" />
            <TextField label="DNS" value={dns} onChange={(e) => setDns(e.target.value)} placeholder="192.168.1.1" className="font-mono" />
          </div>
        )}
        {set.isError && (
          <Notice tone="danger" role="alert">
            {errorMessage(set.error)}
          </Notice>
        )}
        <Button type="submit" loading={set.isPending} disabled={!name}>
          Apply
        </Button>
      </form>
    </Card>
  );
}

/** The network page. */
export default function NetworkPage() {
  const trpc = useTRPC();
  const { isAdmin } = useMe();
  const status = useQuery(trpc.network.status.queryOptions(undefined, { refetchInterval: 10_000 }));
  const s = status.data;
  return (
    <>
      <PageHeader title="Network" description={s ? `Interfaces, routes, DNS and time on ${s.where}.` : "Interfaces, routes, DNS and time."} />
      <Pending />
      {status.isPending ? (
        <SkeletonText lines={8} />
      ) : status.isError ? (
        <QueryError title="Could not read the network" query={status} />
      ) : (
        <div className="space-y-4">
          <Card title="Interfaces">
            <DataTable caption="Network interfaces" data-testid="interfaces-table" columns={["Name", "Link", "Addresses", "MAC", "Config"]}>
              {s!.interfaces.map((i) => (
                <tr key={i.name}>
                  <Td className="font-mono">{i.name}</Td>
                  <Td>
                    <Badge tone={i.state === "up" ? "success" : i.state === "down" ? "danger" : "neutral"}>{i.state}</Badge>
                  </Td>
                  <Td className="font-mono text-xs">{i.addresses.map((a) => a.address).join(" ") || "—"}</Td>
                  <Td className="font-mono text-xs">{i.mac ?? "—"}</Td>
                  <Td className="text-xs">{i.configured ? (i.configured.dhcp ? "DHCP" : `static ${i.configured.address}`) : "—"}</Td>
                </tr>
              ))}
            </DataTable>
          </Card>
          <div className="grid gap-4 lg:grid-cols-3">
            <Card title="Routes" className="lg:col-span-2">
              <DataTable caption="Routes" columns={["Destination", "Gateway", "Device"]}>
                {s!.routes.map((r, i) => (
                  <tr key={`${r.destination}-${r.device}-${i}`}>
                    <Td className="font-mono text-xs">{r.destination}</Td>
                    <Td className="font-mono text-xs">{r.gateway ?? "—"}</Td>
                    <Td className="font-mono text-xs">{r.device ?? "—"}</Td>
                  </tr>
                ))}
              </DataTable>
            </Card>
            <Card title="DNS and time">
              <dl className="space-y-3 text-sm">
                <DefRow label="Nameservers">
                  <span className="font-mono">{s!.dns.nameservers.join(", ") || "none"}</span>
                </DefRow>
                <DefRow label="Time sync">
                  {s!.time.synchronized === null ? <span title={s!.time.detail ?? undefined}>unknown</span> : s!.time.synchronized ? <Badge tone="success">synchronized</Badge> : <Badge tone="warning">not synchronized</Badge>}
                </DefRow>
                <DefRow label="NTP servers">
                  <span className="font-mono">{s!.time.servers.join(", ")}</span>
                </DefRow>
              </dl>
            </Card>
          </div>
          {isAdmin && <EditInterface s={s!} />}
        </div>
      )}
    </>
  );
}
