// 404 page: shown for unknown paths (and for /setup once setup is done).
import Link from "next/link";
import { buttonClass } from "~/components/button";
import { Logo } from "~/components/logo";

/** The not-found page. */
export default function NotFound() {
  return (
    <main id="main" className="flex min-h-dvh flex-col items-center justify-center px-4 text-center">
      <Logo />
      <p className="mt-8 text-sm font-semibold text-brand-700 dark:text-brand-400">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">Page not found</h1>
      <p className="mt-2 max-w-sm text-sm text-zinc-600 dark:text-zinc-400">There is nothing at this address on this node.</p>
      <Link href="/" className={buttonClass("primary", "md", "mt-6")}>
        Go to the dashboard
      </Link>
    </main>
  );
}
