// Layout of the signed-in dashboard pages: wraps them in the app shell (sidebar, top bar).
import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AppShell } from "~/components/app-shell";

/** Title of the dashboard home; child routes override it. */
export const metadata: Metadata = { title: "Dashboard" };

/** Puts every page of this group inside the AppShell. */
export default function ConsoleLayout({ children }: { children: ReactNode }) {
  return <AppShell>{children}</AppShell>;
}
