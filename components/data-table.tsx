// Table styling shared by lists of users, tokens and events.
import type { ReactNode } from "react";
import { cx } from "./cx";
import { RelativeTime } from "./relative-time";

/** A column heading: its text, or the text with `hidden` (read out but not shown) and a `className` for the heading cell. */
export type Column = string | { label: string; hidden?: boolean; className?: string };

/** The heading of a column of row actions: right-aligned, for screen readers only. */
export const ACTIONS_COLUMN: Column = { label: "Actions", hidden: true, className: "text-right" };

/** A responsive table (scrolls sideways on narrow screens) with a caption for assistive tech and one heading per column. */
export function DataTable({
  caption,
  columns,
  children,
  className,
  ...rest
}: {
  caption: string;
  columns: Column[];
  children: ReactNode;
  className?: string;
  "data-testid"?: string;
}) {
  return (
    <div className={cx("overflow-x-auto rounded-xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900", className)} {...rest}>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="border-b border-zinc-200 bg-zinc-50 text-xs font-medium tracking-wide text-zinc-600 uppercase dark:border-zinc-800 dark:bg-zinc-900/60 dark:text-zinc-400">
          <tr>
            {columns.map((c) => {
              const { label, hidden = false, className: cellClass } = typeof c === "string" ? { label: c } : c;
              return (
                <th key={label} scope="col" className={cx("px-4 py-3 whitespace-nowrap", cellClass)}>
                  {hidden ? <span className="sr-only">{label}</span> : label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">{children}</tbody>
      </table>
    </div>
  );
}

/** A body cell. */
export function Td({ children, className }: { children?: ReactNode; className?: string }) {
  return <td className={cx("px-4 py-3 align-middle", className)}>{children}</td>;
}

/** A muted body cell with a time relative to `now`, or `fallback` when there is none. */
export function TimeTd({ at, now, fallback }: { at: string | null | undefined; now: number; fallback?: ReactNode }) {
  return <Td className="whitespace-nowrap text-zinc-600 dark:text-zinc-400">{at ? <RelativeTime at={at} now={now} /> : fallback}</Td>;
}
