// Empty states: what an empty list means and what to do about it.
import type { ReactNode } from "react";
import { cx } from "./cx";

/** A centred message for an empty list or search, with an optional action. */
export function EmptyState({
  title,
  description,
  action,
  icon,
  className,
}: {
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  icon?: ReactNode;
  className?: string;
}) {
  return (
    <div
      className={cx(
        "flex flex-col items-center justify-center rounded-lg border border-dashed border-zinc-300 px-6 py-10 text-center dark:border-zinc-700",
        className,
      )}
    >
      <div aria-hidden="true" className="mb-3 text-zinc-400 dark:text-zinc-500">
        {icon ?? (
          <svg viewBox="0 0 24 24" className="size-8" fill="none" stroke="currentColor" strokeWidth="1.5">
            <path d="M3 7.5 12 3l9 4.5v9L12 21l-9-4.5v-9Z" strokeLinejoin="round" />
            <path d="M3 7.5 12 12l9-4.5M12 12v9" strokeLinejoin="round" />
          </svg>
        )}
      </div>
      <p className="text-sm font-medium text-zinc-900 dark:text-zinc-100">{title}</p>
      {description && <p className="mt-1 max-w-sm text-sm text-zinc-600 dark:text-zinc-400">{description}</p>}
      {action && <div className="mt-4">{action}</div>}
    </div>
  );
}
