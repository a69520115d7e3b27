// Route layout for /terminal: only sets the document title (the page itself is a client component).
import type { Metadata } from "next";
import type { ReactNode } from "react";

/** Document title of this page. */
export const metadata: Metadata = { title: "Terminal" };

/** Renders the page unchanged. */
export default function TerminalLayout({ children }: { children: ReactNode }) {
  return children;
}
