// Route layout for /login: sets the document title (the form itself is a client component).
import type { Metadata } from "next";
import type { ReactNode } from "react";

/** Document title of the sign-in page. */
export const metadata: Metadata = { title: "Sign in" };

/** Renders the page unchanged. */
export default function LoginLayout({ children }: { children: ReactNode }) {
  return children;
}
