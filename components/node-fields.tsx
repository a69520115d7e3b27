"use client";
// The node settings that both the setup wizard and Settings › General edit: each field's label, placeholder and input style, in one place.
import type { ComponentProps } from "react";
import { cx } from "./cx";
import { ListField, TextField } from "./field";

type TextProps = Omit<ComponentProps<typeof TextField>, "label">;
type ListProps = Omit<ComponentProps<typeof ListField>, "label" | "itemLabel" | "addLabel" | "placeholder">;

/** A text field for a name or an address: monospace, no auto-capitalisation or spell-check. */
function LiteralField({ className, ...props }: ComponentProps<typeof TextField>) {
  return <TextField autoCapitalize="none" spellCheck={false} {...props} className={cx("font-mono", className)} />;
}

/** The node's hostname. */
export function HostnameField(props: TextProps) {
  return <LiteralField label="Hostname" {...props} />;
}

/** The mesh realm (reverse-DNS, e.g. io.mycompany). */
export function RealmField(props: TextProps) {
  return <LiteralField label="Realm" {...props} />;
}

/** The public host:port other nodes reach this one on. */
export function AdvertiseField(props: TextProps) {
  return <LiteralField label="Advertise address" hint="The public host:port other nodes use to reach this one." placeholder="203.0.113.10:4433" {...props} />;
}

/** The bootstrap nodes (host:port) the node joins the mesh through. */
export function BootstrapNodesField(props: ListProps) {
  return <ListField label="Bootstrap nodes" itemLabel="Bootstrap node" addLabel="Add bootstrap node" placeholder="bootstrap.macula.io:4433" {...props} />;
}

/** The NTP servers that keep the clock right. */
export function NtpServersField(props: ListProps) {
  return <ListField label="NTP servers" itemLabel="NTP server" addLabel="Add NTP server" placeholder="pool.ntp.org" {...props} />;
}
