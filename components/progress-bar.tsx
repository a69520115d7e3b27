// Progress and usage bars, announced to assistive tech as role=progressbar.
import { cx } from "./cx";

/** A horizontal bar for a value in [min, max]; colours warn at 75% and 90% when `tone` is "usage". */
export function ProgressBar({
  value,
  max = 100,
  label,
  valueText,
  tone = "usage",
  className,
}: {
  value: number;
  max?: number;
  label: string;
  valueText?: string;
  tone?: "usage" | "brand";
  className?: string;
}) {
  const safeMax = max > 0 ? max : 100;
  const clamped = Math.min(safeMax, Math.max(0, Number.isFinite(value) ? value : 0));
  const pct = (clamped / safeMax) * 100;
  const color =
    tone === "brand"
      ? "bg-brand-600 dark:bg-brand-400"
      : pct >= 90
        ? "bg-red-600 dark:bg-red-500"
        : pct >= 75
          ? "bg-amber-500 dark:bg-amber-400"
          : "bg-brand-600 dark:bg-brand-400";
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={safeMax}
      aria-valuenow={Math.round(clamped * 100) / 100}
      aria-valuetext={valueText}
      className={cx("h-2 w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800", className)}
    >
      <div className={cx("h-full rounded-full transition-[width] duration-500", color)} style={{ width: `${pct}%` }} />
    </div>
  );
}
