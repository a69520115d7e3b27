// A term and its value on one line of a definition list (label left, value right).
import type { ReactNode } from "react";

/** One row of a `<dl>`: the label muted on the left, the value on the right. */
export function DefRow({ label, children }: { label: ReactNode; children: ReactNode }) {
  return (
    <div className="flex items-center justify-between gap-3">
      <dt className="text-zinc-600 dark:text-zinc-400">{label}</dt>
      <dd className="min-w-0 truncate text-right text-zinc-900 dark:text-zinc-100">{children}</dd>
    </div>
  );
}
