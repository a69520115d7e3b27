// Notices: a coloured strip with a short message (info, success, warning or danger).
import type { ReactNode } from "react";
import { cx } from "./cx";

const TONES = {
  info: "border-sky-200 bg-sky-50 text-sky-900 dark:border-sky-900/60 dark:bg-sky-950/40 dark:text-sky-200",
  success: "border-emerald-200 bg-emerald-50 text-emerald-900 dark:border-emerald-900/60 dark:bg-emerald-950/40 dark:text-emerald-200",
  warning: "border-amber-200 bg-amber-50 text-amber-900 dark:border-amber-900/60 dark:bg-amber-950/40 dark:text-amber-200",
  danger: "border-red-200 bg-red-50 text-red-900 dark:border-red-900/60 dark:bg-red-950/40 dark:text-red-200",
} as const;

/** A bordered message; pass role="alert" for errors that must be announced, role="status" for quiet updates. */
export function Notice({
  tone = "info",
  title,
  children,
  role,
  className,
  id,
}: {
  tone?: keyof typeof TONES;
  title?: ReactNode;
  children?: ReactNode;
  role?: "alert" | "status";
  className?: string;
  id?: string;
}) {
  return (
    <div id={id} role={role} className={cx("rounded-lg border px-4 py-3 text-sm", TONES[tone], className)}>
      {title && <p className="font-medium">{title}</p>}
      {children && <div className={cx(Boolean(title) && "mt-0.5")}>{children}</div>}
    </div>
  );
}
