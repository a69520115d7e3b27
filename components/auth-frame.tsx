"use client";
// The frame of the pages shown before sign-in (/login, /setup): logo, theme toggle and a centred column.
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { cx } from "./cx";
import { Logo } from "./logo";
import { ThemeToggle } from "./theme";
import { useTRPC } from "./trpc";

/** A centred page with the logo on top and the product version at the bottom. */
export function AuthFrame({ children, wide = false }: { children: ReactNode; wide?: boolean }) {
  const trpc = useTRPC();
  const health = useQuery(trpc.health.probe.queryOptions(undefined, { staleTime: Infinity, retry: false }));
  return (
    <div className="flex min-h-dvh flex-col">
      <header className="flex items-center justify-between px-4 py-4 sm:px-6">
        <Logo />
        <ThemeToggle />
      </header>
      <main id="main" className={cx("mx-auto w-full flex-1 px-4 pt-4 pb-12 sm:pt-10", wide ? "max-w-5xl" : "max-w-sm")}>
        {children}
      </main>
      <footer className="px-4 pb-6 text-center text-xs text-zinc-500 dark:text-zinc-400">
        MaculaOS{health.data?.version ? ` ${health.data.version}` : ""} · edge node for the Macula mesh
      </footer>
    </div>
  );
}
