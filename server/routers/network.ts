// network.*, firewall.*, mesh.*, wireguard.* and security.* procedures: one line each, calling system/.
import { z } from "zod";
import { actorOf } from "~/system/accounts/accounts";
import { applyFirewall, changeFirewall, showFirewall } from "~/system/firewall/firewall";
import { applyMesh, meshPing, meshStatus } from "~/system/mesh/mesh";
import { generateWireguardKey, wireguardStatus } from "~/system/mesh/wireguard";
import { applyNetwork, confirmNetwork, pendingChange, revertNetwork, revertWindow, setNetwork } from "~/system/network/apply";
import { embeddedServices, securityStatus } from "~/system/network/security";
import { networkStatus } from "~/system/network/status";
import { adminProcedure, authedProcedure, router } from "../trpc";

const confirmSeconds = z.number().int().min(1).max(600).optional();
const rule = z.object({ rule: z.string().min(1).max(20) });

/** network.* procedures. */
export const networkRouter = router({
  status: authedProcedure.query(({ ctx }) => networkStatus(ctx.sys)),
  pending: authedProcedure.query(({ ctx }) => pendingChange(ctx.sys)),
  applyChanges: adminProcedure.input(z.object({ confirmSeconds }).default({})).mutation(({ ctx, input }) => applyNetwork(ctx.sys, ctx.principal, revertWindow(ctx.channel, input.confirmSeconds))),
  set: adminProcedure.input(z.object({ hostname: z.string().max(253).optional(), interfaces: z.array(z.record(z.string(), z.unknown())).max(32).optional(), ntp_servers: z.array(z.string().max(253)).max(16).optional(), confirmSeconds })).mutation(({ ctx, input }) => setNetwork(ctx.sys, input, ctx.principal, revertWindow(ctx.channel, input.confirmSeconds))),
  confirm: adminProcedure.mutation(({ ctx }) => confirmNetwork(ctx.sys, ctx.principal)),
  revert: adminProcedure.mutation(({ ctx }) => revertNetwork(ctx.sys, actorOf(ctx.principal), "reverted by hand")),
});

/** firewall.* procedures. */
export const firewallRouter = router({
  show: authedProcedure.query(({ ctx }) => showFirewall(ctx.sys)),
  allow: adminProcedure.input(rule).mutation(({ ctx, input }) => changeFirewall(ctx.sys, "allow", input.rule, ctx.principal)),
  deny: adminProcedure.input(rule).mutation(({ ctx, input }) => changeFirewall(ctx.sys, "deny", input.rule, ctx.principal)),
  applyRules: adminProcedure.mutation(({ ctx }) => applyFirewall(ctx.sys, actorOf(ctx.principal))),
});

/** mesh.* procedures. */
export const meshRouter = router({
  status: authedProcedure.query(({ ctx }) => meshStatus(ctx.sys)),
  ping: adminProcedure.input(z.object({ target: z.string().min(1).max(260), count: z.number().int().min(1).max(100).default(4) })).mutation(({ input }) => meshPing(input.target, input.count)),
  applyConfig: adminProcedure.mutation(({ ctx }) => applyMesh(ctx.sys, ctx.principal)),
});

/** wireguard.* procedures. */
export const wireguardRouter = router({
  status: authedProcedure.query(({ ctx }) => wireguardStatus(ctx.sys)),
  genkey: adminProcedure.mutation(() => generateWireguardKey()),
});

/** security.* and embedded.* procedures: the security panel and the embedded services. */
export const securityRouter = router({
  status: authedProcedure.query(({ ctx }) => securityStatus(ctx.sys)),
  services: authedProcedure.query(({ ctx }) => embeddedServices(ctx.sys)),
});
