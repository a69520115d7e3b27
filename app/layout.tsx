// Root layout (server component): html shell, the no-flash theme script and the client Providers.
import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { THEME_SCRIPT } from "~/components/theme-script";
import { Providers } from "~/components/trpc";
import "./globals.css";

// Every page is a client view over tRPC: render per request, never prerender data at build time.
export const dynamic = "force-dynamic";

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

/** The nonce of a nonce-based Content-Security-Policy on the request, if the server set one. */
async function cspNonce(): Promise<string | undefined> {
  const csp = (await headers()).get("content-security-policy") ?? "";
  return /'nonce-([^']+)'/.exec(csp)?.[1];
}

/** The html/body frame shared by every page. */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const nonce = await cspNonce();
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
