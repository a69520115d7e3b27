// Cards: titled panels that group related information.
import type { ReactNode } from "react";
import { cx } from "./cx";

/** A panel with an optional title, description and header actions. */
export function Card({
  title,
  description,
  actions,
  children,
  className,
  bodyClassName,
  headingLevel = 2,
  ...rest
}: {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children?: ReactNode;
  className?: string;
  bodyClassName?: string;
  headingLevel?: 2 | 3;
  "aria-busy"?: boolean;
  "data-testid"?: string;
}) {
  const Heading = headingLevel === 2 ? "h2" : "h3";
  return (
    <section
      className={cx(
        "min-w-0 rounded-xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900",
        className,
      )}
      {...rest}
    >
      {(title || actions) && (
        <header className="flex items-start justify-between gap-3 px-5 pt-4">
          <div className="min-w-0">
            {title && (
              <Heading className="text-sm font-medium text-zinc-500 dark:text-zinc-400">{title}</Heading>
            )}
            {description && <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{description}</p>}
          </div>
          {actions && <div className="flex shrink-0 items-center gap-2">{actions}</div>}
        </header>
      )}
      <div className={cx("px-5 pt-3 pb-5", !title && !actions && "pt-5", bodyClassName)}>{children}</div>
    </section>
  );
}
