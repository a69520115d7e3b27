// Route layout for /logs: only sets the document title (the page itself is a client component).
import type { Metadata } from "next";
import type { ReactNode } from "react";

/** Document title of this page. */
export const metadata: Metadata = { title: "Logs" };

/** Renders the page unchanged. */
export default function LogsLayout({ children }: { children: ReactNode }) {
  return children;
}
