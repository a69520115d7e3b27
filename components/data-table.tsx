// Table styling shared by lists of users, tokens and events.
import type { ReactNode } from "react";
import { cx } from "./cx";

/** A responsive table (scrolls sideways on narrow screens) with a caption for assistive tech. */
export function DataTable({ caption, head, children, className, ...rest }: { caption: string; head: ReactNode; children: ReactNode; className?: string; "data-testid"?: string }) {
  return (
    <div className={cx("overflow-x-auto rounded-xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900", className)} {...rest}>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="border-b border-zinc-200 bg-zinc-50 text-xs font-medium tracking-wide text-zinc-600 uppercase dark:border-zinc-800 dark:bg-zinc-900/60 dark:text-zinc-400">
          {head}
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">{children}</tbody>
      </table>
    </div>
  );
}

/** A header cell. */
export function Th({ children, className }: { children?: ReactNode; className?: string }) {
  return (
    <th scope="col" className={cx("px-4 py-3 whitespace-nowrap", className)}>
      {children}
    </th>
  );
}

/** A body cell. */
export function Td({ children, className }: { children?: ReactNode; className?: string }) {
  return <td className={cx("px-4 py-3 align-middle", className)}>{children}</td>;
}
