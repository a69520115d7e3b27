"use client";
// Error states: what failed, why, and a way to try again.
import { Button } from "./button";
import { cx } from "./cx";
import { errorMessage } from "./errors";

/** A message for a failed load with the server's reason and a Retry button. */
export function ErrorState({
  title = "Could not load this",
  error,
  onRetry,
  retrying = false,
  className,
}: {
  title?: string;
  error: unknown;
  onRetry?: () => void;
  retrying?: boolean;
  className?: string;
}) {
  return (
    <div
      role="alert"
      className={cx(
        "flex flex-col items-start gap-3 rounded-lg border border-red-200 bg-red-50 p-4 text-sm sm:flex-row sm:items-center sm:justify-between dark:border-red-900/60 dark:bg-red-950/40",
        className,
      )}
    >
      <div className="flex gap-3">
        <svg aria-hidden="true" viewBox="0 0 24 24" className="mt-0.5 size-5 shrink-0 text-red-600 dark:text-red-400" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
          <circle cx="12" cy="12" r="9" />
          <path d="M12 7.5v5M12 16h.01" />
        </svg>
        <div>
          <p className="font-medium text-red-900 dark:text-red-200">{title}</p>
          <p className="mt-0.5 text-red-800 dark:text-red-300">{errorMessage(error)}</p>
        </div>
      </div>
      {onRetry && (
        <Button variant="secondary" size="sm" onClick={onRetry} loading={retrying}>
          Retry
        </Button>
      )}
    </div>
  );
}

/** The ErrorState of a failed query: its error, and Retry refetches it. */
export function QueryError({ title, query }: { title: string; query: { error: unknown; refetch: () => unknown; isFetching: boolean } }) {
  return <ErrorState title={title} error={query.error} onRetry={() => void query.refetch()} retrying={query.isFetching} />;
}
