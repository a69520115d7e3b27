// The CLI's connection to the appliance: the root-only unix socket by default, or --host URL with --token T.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from "@trpc/client";
import { EventSource } from "eventsource";
import { Agent, fetch as undiciFetch } from "undici";
import type { AppRouter } from "~/server/root";

/** Where and how to reach the appliance. */
export interface Target {
  host?: string;
  token?: string;
  socket: string;
}

/** The default socket: `<MACULAOS_ROOT>/run/maculaos/api.sock`, the root being "/" on a node and ./.device elsewhere. */
export function defaultSocket(env: NodeJS.ProcessEnv): string {
  const root = env.MACULAOS_ROOT ?? (existsSync("/usr/lib/maculaos/node") ? "/" : "./.device");
  return join(resolve(root), "run/maculaos/api.sock");
}

/** A typed API client for the target. */
export function connect(target: Target) {
  const viaSocket = !target.host;
  const dispatcher = viaSocket ? new Agent({ connect: { socketPath: target.socket } }) : undefined;
  const url = viaSocket ? "http://localhost/api/trpc" : `${target.host!.replace(/\/+$/, "")}/api/trpc`;
  const auth: Record<string, string> = target.token ? { authorization: `Bearer ${target.token}` } : {};
  const fetchImpl = ((input: string, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
  // Subscriptions (a job's live progress) arrive as server-sent events over the same socket or host.
  const sseFetch = (input: string | URL, init?: RequestInit) => fetchImpl(String(input), { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth } });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url, EventSource, eventSourceOptions: { fetch: sseFetch } as never }),
        false: httpLink({ url, fetch: fetchImpl, headers: () => auth }),
      }),
    ],
  });
}

/** The API client type. */
export type Api = ReturnType<typeof connect>;

/** A one-line reason and the exit code for an error from a call (1 failed, 2 bad input). */
export function describeError(e: unknown, target: Target): { message: string; exit: number } {
  if (e instanceof TRPCClientError) {
    const data = e.data as { code?: string; problems?: { path: string; message: string }[] | null } | undefined;
    if (data?.code) {
      const problems = data.problems?.length ? data.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n") : "";
      const exit = data.code === "BAD_REQUEST" ? 2 : 1;
      return { message: problems && !e.message.includes("\n") && data.problems!.length > 1 ? `${e.message.split(";")[0]}\n${problems}` : e.message, exit };
    }
    const cause = (e.cause as { cause?: { code?: string } } | undefined)?.cause?.code ?? (e.cause as { code?: string } | undefined)?.code;
    const where = target.host || target.socket;
    if (cause === "ENOENT" || cause === "ECONNREFUSED" || /fetch failed/.test(e.message)) {
      return { message: `cannot reach the appliance at ${where}: is it running?${cause ? ` (${cause})` : ""}`, exit: 1 };
    }
    if (cause === "EACCES") return { message: `permission denied on ${where}: the local socket is for root`, exit: 1 };
    return { message: e.message, exit: 1 };
  }
  return { message: e instanceof Error ? e.message : String(e), exit: 1 };
}
