// Root layout (server component): html shell, the no-flash theme script and the client Providers.
import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { THEME_SCRIPT } from "~/components/theme-script";
import { Providers } from "~/components/trpc";
import "./globals.css";

// Every page is a client view over tRPC with no data at build time, so Next prerenders each one once at build and
// serves the same HTML shell to everyone: no server rendering per request (memory and CPU on a 1 GB node).

/** Default document metadata; route layouts set their own titles. */
export const metadata: Metadata = {
  title: { default: "MaculaOS", template: "%s · MaculaOS" },
  description: "Manage this MaculaOS mesh node",
  icons: { icon: "/favicon.svg" },
  robots: { index: false, follow: false },
};

/** Viewport and browser chrome colours for light and dark. */
export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#fafafa" },
    { media: "(prefers-color-scheme: dark)", color: "#09090b" },
  ],
};

/** The html/body frame shared by every page. */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
