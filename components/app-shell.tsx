"use client";
// The dashboard frame: skip link, sidebar navigation, top bar (hostname, user, theme, logout) and the main region.
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { RoleBadge } from "./badge";
import { Button } from "./button";
import { cx } from "./cx";
import { Icon } from "./icons";
import { Logo } from "./logo";
import { NAV_ITEMS, isActive } from "./nav";
import { Notice } from "./notice";
import { Skeleton } from "./skeleton";
import { ThemeToggle } from "./theme";
import { useTRPC } from "./trpc";
import { useMe } from "./use-me";

function NavList({ pathname, isAdmin, onNavigate }: { pathname: string; isAdmin: boolean; onNavigate?: () => void }) {
  return (
    <ul className="space-y-1">
      {NAV_ITEMS.filter((item) => !item.adminOnly || isAdmin).map((item) => {
        const active = isActive(item.href, pathname);
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              aria-current={active ? "page" : undefined}
              onClick={onNavigate}
              className={cx(
                "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium transition-colors",
                active
                  ? "bg-brand-50 text-brand-800 dark:bg-brand-500/10 dark:text-brand-200"
                  : "text-zinc-700 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:hover:text-white",
              )}
            >
              <Icon name={item.icon} className={cx("size-5", active ? "text-brand-600 dark:text-brand-400" : "text-zinc-400")} />
              {item.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

/** The banner on every page while the node runs its recovery profile. */
function RecoveryBanner({ onRecoveryPage, isAdmin }: { onRecoveryPage: boolean; isAdmin: boolean }) {
  return (
    <Notice tone="warning" role="status" title="Recovery mode" className="mb-6" id="recovery-banner">
      This node booted with maculaos.mode=recovery: services are stopped, and no automatic updates, scheduled backups or
      alerts run. {onRecoveryPage ? "Repair or restore below, then reboot to leave recovery mode." : isAdmin ? <>Repair or restore on the <Link href="/recovery" className="font-medium underline">Recovery page</Link>, then reboot to leave recovery mode.</> : "An administrator can repair or restore it."}
    </Notice>
  );
}

/** Wraps every signed-in page (not /setup or /login) with navigation and the top bar. */
export function AppShell({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const pathname = usePathname();
  const { me, isAdmin } = useMe();
  const info = useQuery(trpc.system.info.queryOptions());
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      meta: { skipAuthRedirect: true },
      onSettled: () => window.location.assign("/login"),
    }),
  );

  const [menuOpen, setMenuOpen] = useState(false);
  const menuId = useId();
  const menuButton = useRef<HTMLButtonElement>(null);

  // Close the mobile menu on navigation and on Escape.
  useEffect(() => setMenuOpen(false), [pathname]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setMenuOpen(false);
        menuButton.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [menuOpen]);

  return (
    <div className="min-h-dvh">
      <a
        href="#main"
        className="sr-only rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white focus:not-sr-only focus:fixed focus:top-3 focus:left-3 focus:z-50"
      >
        Skip to content
      </a>

      {/* Desktop sidebar */}
      <aside className="fixed inset-y-0 left-0 z-30 hidden w-60 flex-col border-r border-zinc-200 bg-white md:flex dark:border-zinc-800 dark:bg-zinc-900">
        <div className="flex h-14 items-center border-b border-zinc-200 px-5 dark:border-zinc-800">
          <Link href="/" className="rounded-md" aria-label="MaculaOS dashboard">
            <Logo />
          </Link>
        </div>
        <nav aria-label="Main" className="flex-1 overflow-y-auto p-3">
          <NavList pathname={pathname} isAdmin={isAdmin} />
        </nav>
        <div className="border-t border-zinc-200 px-5 py-3 text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
          {info.data ? (
            <span>
              Version {info.data.version} · slot {info.data.slot}
              {info.data.mode === "recovery" && " · recovery mode"}
            </span>
          ) : (
            <Skeleton className="h-4 w-32" />
          )}
        </div>
      </aside>

      <div className="md:pl-60">
        <header className="sticky top-0 z-20 border-b border-zinc-200 bg-white/85 backdrop-blur dark:border-zinc-800 dark:bg-zinc-900/85">
          <div className="flex h-14 items-center gap-2 px-3 sm:px-6">
            <button
              ref={menuButton}
              type="button"
              className="inline-flex size-9 items-center justify-center rounded-md text-zinc-600 hover:bg-zinc-100 md:hidden dark:text-zinc-300 dark:hover:bg-zinc-800"
              aria-expanded={menuOpen}
              aria-controls={menuId}
              aria-label="Menu"
              onClick={() => setMenuOpen((o) => !o)}
            >
              <Icon name={menuOpen ? "close" : "menu"} />
            </button>
            <Link href="/" className="rounded-md md:hidden" aria-label="MaculaOS dashboard">
              <Logo compact />
            </Link>
            <div className="flex min-w-0 items-center gap-2">
              <span className="hidden text-sm text-zinc-500 sm:inline dark:text-zinc-400">Node</span>
              {info.data ? (
                <span data-testid="topbar-hostname" className="truncate font-mono text-sm font-medium text-zinc-900 dark:text-zinc-100" title="Hostname">
                  {info.data.hostname}
                </span>
              ) : info.isError ? (
                <span className="text-sm text-zinc-500">unknown</span>
              ) : (
                <Skeleton className="h-4 w-28" />
              )}
            </div>
            <div className="ml-auto flex items-center gap-1 sm:gap-2">
              {me ? (
                <span className="flex items-center gap-2 px-1 text-sm">
                  <span className="hidden max-w-40 truncate font-medium text-zinc-800 sm:inline dark:text-zinc-200" data-testid="current-user">
                    {me.username}
                  </span>
                  <RoleBadge role={me.role} />
                </span>
              ) : (
                <Skeleton className="h-5 w-24" />
              )}
              <ThemeToggle />
              <Button
                variant="ghost"
                size="sm"
                className="h-9"
                loading={logout.isPending}
                onClick={() => logout.mutate()}
              >
                {!logout.isPending && <Icon name="logout" className="size-4" />}
                <span className="hidden sm:inline">Sign out</span>
                <span className="sr-only sm:hidden">Sign out</span>
              </Button>
            </div>
          </div>
          {/* Mobile navigation: a disclosure under the top bar */}
          <nav
            id={menuId}
            aria-label="Main"
            hidden={!menuOpen}
            className="border-t border-zinc-200 p-3 md:hidden dark:border-zinc-800"
          >
            <NavList pathname={pathname} isAdmin={isAdmin} onNavigate={() => setMenuOpen(false)} />
          </nav>
        </header>

        <main id="main" tabIndex={-1} className="mx-auto w-full max-w-6xl px-4 py-6 focus:outline-none sm:px-6 lg:px-8 lg:py-8">
          {info.data?.mode === "recovery" && <RecoveryBanner onRecoveryPage={isActive("/recovery", pathname)} isAdmin={isAdmin} />}
          {children}
        </main>
      </div>
    </div>
  );
}
