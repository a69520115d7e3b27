// metrics.*, alerts.* and logs.* procedures: live resource series, alert states, and the logs.
import { z } from "zod";
import { followLogs, readLogs } from "~/system/logs/read";
import { liveSamples, logSource } from "~/system/monitoring/api";
import { monitoringOf } from "~/system/monitoring/monitoring";
import { authedProcedure, router } from "../trpc";

const logFilter = { source: z.string().max(100).default("all"), grep: z.string().max(200).optional(), level: z.enum(["debug", "info", "warn", "error"]).optional() };

/** metrics.* procedures: the last hour or 7 days of resource series, and new samples live. */
export const metricsRouter = router({
  series: authedProcedure.input(z.object({ range: z.enum(["hour", "week"]).default("hour") }).optional()).query(({ ctx, input }) => monitoringOf(ctx.sys).series(input?.range ?? "hour")),
  live: authedProcedure.subscription(({ ctx, signal }) => liveSamples(monitoringOf(ctx.sys), signal)),
});

/** alerts.* procedures. */
export const alertsRouter = router({
  list: authedProcedure.query(({ ctx }) => monitoringOf(ctx.sys).alertsView()),
});

/** logs.* procedures: read with filters, or follow live. */
export const logsRouter = router({
  read: authedProcedure.input(z.object({ ...logFilter, lines: z.number().int().min(1).max(10_000).default(100), since: z.string().max(100).optional() })).query(({ ctx, input }) => readLogs(ctx.sys, monitoringOf(ctx.sys).logs, { ...input, source: logSource(input.source) })),
  follow: authedProcedure.input(z.object(logFilter)).subscription(({ ctx, input, signal }) => followLogs(ctx.sys, monitoringOf(ctx.sys).logs, { ...input, source: logSource(input.source) }, signal)),
});
