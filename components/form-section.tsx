// A settings section: title and explanation on the left, its fields on the right (stacked on small screens).
import type { ReactNode } from "react";
import { cx } from "./cx";

/** A titled group of form fields in a panel. */
export function FormSection({
  title,
  description,
  children,
  className,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section
      className={cx(
        "grid gap-4 rounded-xl border border-zinc-200 bg-white p-5 shadow-sm sm:p-6 lg:grid-cols-[16rem_1fr] lg:gap-8 dark:border-zinc-800 dark:bg-zinc-900",
        className,
      )}
    >
      <div>
        <h3 className="text-base font-semibold text-zinc-900 dark:text-zinc-100">{title}</h3>
        {description && <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{description}</p>}
      </div>
      <div className="min-w-0 space-y-5">{children}</div>
    </section>
  );
}
