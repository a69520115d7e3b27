// Route layout for /network: only sets the document title (the page itself is a client component).
import type { Metadata } from "next";
import type { ReactNode } from "react";

/** Document title of this page. */
export const metadata: Metadata = { title: "Network" };

/** Renders the page unchanged. */
export default function NetworkLayout({ children }: { children: ReactNode }) {
  return children;
}
