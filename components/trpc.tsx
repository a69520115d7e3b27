"use client";
// The browser's tRPC client: typed hooks, the React Query client and the app-wide providers.
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
import type { AppRouter } from "~/server/root";
import { errorCode } from "./errors";
import { ThemeSync } from "./theme";

/** Outputs of every procedure, e.g. `RouterOutputs["system"]["info"]`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** Inputs of every procedure, e.g. `RouterInputs["setup"]["complete"]`. */
export type RouterInputs = inferRouterInputs<AppRouter>;

const context = createTRPCContext<AppRouter>();
/** Provides the typed tRPC client to `useTRPC` (Providers renders it). */
export const TRPCProvider = context.TRPCProvider;
/** The typed options proxy: `useQuery(useTRPC().system.info.queryOptions())`. */
export const useTRPC = context.useTRPC;

/** Paths where an UNAUTHORIZED answer is expected and must not bounce to /login. */
const NO_AUTH_REDIRECT = ["/login", "/setup"];
let redirecting = false;

/** Sends the browser to /login (once), remembering where it was, after the session is gone. */
export function redirectToLogin(): void {
  if (typeof window === "undefined" || redirecting) return;
  const { pathname, search } = window.location;
  if (NO_AUTH_REDIRECT.some((p) => pathname === p || pathname.startsWith(`${p}/`))) return;
  redirecting = true;
  const next = `${pathname}${search}`;
  window.location.assign(next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`);
}

function onGlobalError(err: unknown, meta: Record<string, unknown> | undefined): void {
  if (meta?.skipAuthRedirect) return;
  if (errorCode(err) === "UNAUTHORIZED") redirectToLogin();
}

const NO_RETRY = new Set(["UNAUTHORIZED", "FORBIDDEN", "BAD_REQUEST", "NOT_FOUND", "TOO_MANY_REQUESTS", "CONFLICT", "PRECONDITION_FAILED"]);

function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: (err, query) => onGlobalError(err, query.meta) }),
    mutationCache: new MutationCache({ onError: (err, _v, _c, mutation) => onGlobalError(err, mutation.meta) }),
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        retry: (failures, err) => {
          const code = errorCode(err);
          if (code && NO_RETRY.has(code)) return false;
          return failures < 2;
        },
      },
      mutations: { retry: false },
    },
  });
}

function makeTRPCClient() {
  return createTRPCClient<AppRouter>({
    links: [
      // Subscriptions (live metrics, logs, job progress) arrive as server-sent events on a same-origin GET.
      splitLink({ condition: (op) => op.type === "subscription", true: httpSubscriptionLink({ url: "/api/trpc" }), false:
      httpBatchLink({
        url: "/api/trpc",
        // Queries go as POST too, so a large input (a whole config.yaml to validate) never hits URL limits.
        methodOverride: "POST",
        maxItems: 10, // the server refuses larger batches
        headers: () => ({ "x-maculaos-csrf": "1" }),
        fetch: (url, init) => fetch(url, { ...init, credentials: "same-origin" }),
      }) }),
    ],
  });
}

/** App-wide client providers: React Query, tRPC and theme sync. Rendered once by the root layout. */
export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(makeTRPCClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <ThemeSync />
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
