// Badges: small labels for roles, outcomes and states.
import type { ReactNode } from "react";
import { cx } from "./cx";

/** Colour of a badge. */
export type BadgeTone = "neutral" | "success" | "danger" | "warning" | "info" | "brand";

const TONES: Record<BadgeTone, string> = {
  neutral: "bg-zinc-100 text-zinc-700 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
  success: "bg-emerald-50 text-emerald-800 ring-emerald-600/30 dark:bg-emerald-500/10 dark:text-emerald-300 dark:ring-emerald-400/30",
  danger: "bg-red-50 text-red-800 ring-red-600/30 dark:bg-red-500/10 dark:text-red-300 dark:ring-red-400/30",
  warning: "bg-amber-50 text-amber-800 ring-amber-600/30 dark:bg-amber-500/10 dark:text-amber-300 dark:ring-amber-400/30",
  info: "bg-sky-50 text-sky-800 ring-sky-600/30 dark:bg-sky-500/10 dark:text-sky-300 dark:ring-sky-400/30",
  brand: "bg-brand-50 text-brand-800 ring-brand-600/30 dark:bg-brand-500/10 dark:text-brand-300 dark:ring-brand-400/30",
};

/** A short inline label with a tone. */
export function Badge({
  tone = "neutral",
  children,
  className,
  ...rest
}: {
  tone?: BadgeTone;
  children: ReactNode;
  className?: string;
  "data-testid"?: string;
  title?: string;
}) {
  return (
    <span
      className={cx(
        "inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset",
        TONES[tone],
        className,
      )}
      {...rest}
    >
      {children}
    </span>
  );
}

/** A badge for a user role: admin stands out, viewer is neutral. */
export function RoleBadge({ role }: { role: string }) {
  return <Badge tone={role === "admin" ? "brand" : "neutral"}>{role}</Badge>;
}

/** A badge for an event outcome: ok is green, failed is red. */
export function OutcomeBadge({ outcome }: { outcome: string }) {
  return <Badge tone={outcome === "ok" ? "success" : outcome === "failed" ? "danger" : "neutral"}>{outcome}</Badge>;
}
