// The MaculaOS mark and wordmark.
import { cx } from "./cx";

/** The MaculaOS mark (decorative) followed by the product name. */
export function Logo({ className, compact = false }: { className?: string; compact?: boolean }) {
  return (
    <span className={cx("inline-flex items-center gap-2 font-semibold tracking-tight text-zinc-900 dark:text-zinc-50", className)}>
      <svg aria-hidden="true" viewBox="0 0 32 32" className="size-7 shrink-0">
        <rect width="32" height="32" rx="7" className="fill-brand-600 dark:fill-brand-500" />
        <circle cx="16" cy="16" r="9" fill="none" stroke="#fff" strokeWidth="2.5" />
        <circle cx="16" cy="16" r="3.5" fill="#fff" />
        <path d="M16 3v4M16 25v4M3 16h4M25 16h4" stroke="#fff" strokeWidth="2.5" strokeLinecap="round" />
      </svg>
      {!compact && <span>MaculaOS</span>}
    </span>
  );
}
