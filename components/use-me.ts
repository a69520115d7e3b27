"use client";
// The signed-in user, shared by the shell and the pages through React Query's cache.
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "./trpc";

/** The current user (auth.me) with `isAdmin`; while loading, `me` is undefined and `isAdmin` false. */
export function useMe() {
  const trpc = useTRPC();
  const query = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  return { ...query, me: query.data, isAdmin: query.data?.role === "admin" };
}
