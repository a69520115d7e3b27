"use client";
// After the configuration changes: refetch what shows it (the config itself, the system info and the events log).
import { useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "~/components/trpc";

/** A function that refetches the queries a config change affects; await it to know they are fresh. */
export function useConfigChanged(): () => Promise<void> {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.config.get.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.system.info.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.events.list.queryKey() }),
    ]);
  };
}
