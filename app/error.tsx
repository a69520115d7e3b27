"use client";
// Error boundary for a page that crashed while rendering: explain, and offer to try again.
import { useEffect } from "react";
import { Button } from "~/components/button";

/** The error page with a retry. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <main id="main" className="flex min-h-dvh flex-col items-center justify-center px-4 text-center">
      <h1 className="text-2xl font-semibold tracking-tight">Something went wrong</h1>
      <p className="mt-2 max-w-md text-sm text-zinc-600 dark:text-zinc-400">
        This page hit an unexpected error. Try again; if it keeps happening, check the node&apos;s logs.
        {error.digest ? <span className="mt-1 block font-mono text-xs">Reference: {error.digest}</span> : null}
      </p>
      <div className="mt-6 flex gap-3">
        <Button onClick={reset}>Try again</Button>
        <Button variant="secondary" onClick={() => window.location.assign("/")}>
          Go to the dashboard
        </Button>
      </div>
    </main>
  );
}
