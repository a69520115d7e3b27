// Route layout for /setup: sets the document title (the wizard itself is a client component).
import type { Metadata } from "next";
import type { ReactNode } from "react";

/** Document title of the first-boot wizard. */
export const metadata: Metadata = { title: "Set up this node" };

/** Renders the page unchanged. */
export default function SetupLayout({ children }: { children: ReactNode }) {
  return children;
}
