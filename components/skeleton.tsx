// Loading placeholders shaped like the content they stand in for.
import { cx } from "./cx";

/** A pulsing grey block; size it with className. Hidden from assistive tech: mark the container aria-busy. */
export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cx("animate-pulse rounded-md bg-zinc-200 dark:bg-zinc-800", className)} />;
}

/** Several skeleton lines of text, the last one shorter. */
export function SkeletonText({ lines = 3, className }: { lines?: number; className?: string }) {
  return (
    <div aria-hidden="true" className={cx("space-y-2", className)}>
      {Array.from({ length: lines }, (_, i) => (
        <Skeleton key={i} className={cx("h-4", i === lines - 1 && lines > 1 ? "w-2/3" : "w-full")} />
      ))}
    </div>
  );
}
