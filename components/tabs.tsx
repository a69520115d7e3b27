"use client";
// Accessible tabs: a tablist with roving tabindex (arrow keys, Home, End) and lazily mounted panels.
import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { cx } from "./cx";

/** One tab: a stable id, its label and its panel content. */
export type TabItem = { id: string; label: ReactNode; content: ReactNode };

/** Tabs that follow the WAI-ARIA pattern; a panel mounts on first visit and stays mounted to keep its state. */
export function Tabs({
  label,
  tabs,
  value,
  onChange,
  className,
}: {
  label: string;
  tabs: TabItem[];
  value: string;
  onChange: (id: string) => void;
  className?: string;
}) {
  const baseId = useId();
  const buttons = useRef<Record<string, HTMLButtonElement | null>>({});
  const [visited, setVisited] = useState<Set<string>>(() => new Set([value]));
  const active = tabs.some((t) => t.id === value) ? value : (tabs[0]?.id ?? "");
  if (!visited.has(active)) setVisited(new Set(visited).add(active));

  const select = (id: string, focus: boolean) => {
    onChange(id);
    const button = buttons.current[id];
    if (focus) button?.focus();
    button?.scrollIntoView({ block: "nearest", inline: "nearest" });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    const i = tabs.findIndex((t) => t.id === active);
    let next: number | null = null;
    if (e.key === "ArrowRight") next = (i + 1) % tabs.length;
    else if (e.key === "ArrowLeft") next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = tabs.length - 1;
    if (next === null) return;
    e.preventDefault();
    const tab = tabs[next];
    if (tab) select(tab.id, true);
  };

  return (
    <div className={className}>
      <div
        role="tablist"
        aria-label={label}
        className="-mx-1 flex gap-1 overflow-x-auto border-b border-zinc-200 px-1 dark:border-zinc-800"
      >
        {tabs.map((t) => {
          const selected = t.id === active;
          return (
            <button
              key={t.id}
              ref={(el) => {
                buttons.current[t.id] = el;
              }}
              type="button"
              role="tab"
              id={`${baseId}-tab-${t.id}`}
              aria-selected={selected}
              aria-controls={`${baseId}-panel-${t.id}`}
              tabIndex={selected ? 0 : -1}
              onClick={() => select(t.id, false)}
              onKeyDown={onKeyDown}
              className={cx(
                "-mb-px shrink-0 border-b-2 px-3 py-2.5 text-sm font-medium whitespace-nowrap transition-colors",
                selected
                  ? "border-brand-600 text-brand-700 dark:border-brand-400 dark:text-brand-300"
                  : "border-transparent text-zinc-600 hover:border-zinc-300 hover:text-zinc-900 dark:text-zinc-400 dark:hover:border-zinc-600 dark:hover:text-zinc-100",
              )}
            >
              {t.label}
            </button>
          );
        })}
      </div>
      {tabs.map((t) =>
        visited.has(t.id) || t.id === active ? (
          <div
            key={t.id}
            role="tabpanel"
            id={`${baseId}-panel-${t.id}`}
            aria-labelledby={`${baseId}-tab-${t.id}`}
            hidden={t.id !== active}
            tabIndex={0}
            className="pt-6 focus-visible:outline-offset-4"
          >
            {t.content}
          </div>
        ) : null,
      )}
    </div>
  );
}
