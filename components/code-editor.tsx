"use client";
// A plain monospace text editor with a line-number gutter that marks lines with problems.
import { useImperativeHandle, useRef, useState, type Ref } from "react";
import { cx } from "./cx";

const LINE_PX = 24;

/** Imperative handle of a CodeEditor: move the caret to a 1-based line. */
export type CodeEditorHandle = { goToLine: (line: number) => void };

/** A textarea with line numbers (no wrapping); Ctrl/Cmd+S calls `onSave`. */
export function CodeEditor({
  value,
  onChange,
  readOnly = false,
  problemLines,
  onSave,
  id,
  label,
  describedBy,
  invalid = false,
  handle,
  className,
}: {
  value: string;
  onChange: (value: string) => void;
  readOnly?: boolean;
  problemLines?: ReadonlySet<number>;
  onSave?: () => void;
  id?: string;
  label: string;
  describedBy?: string;
  invalid?: boolean;
  handle?: Ref<CodeEditorHandle>;
  className?: string;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const lineCount = Math.max(1, value.split("\n").length);

  useImperativeHandle(handle, () => ({
    goToLine(line: number) {
      const el = area.current;
      if (!el) return;
      const lines = el.value.split("\n");
      const target = Math.min(Math.max(1, line), lines.length);
      let start = 0;
      for (let i = 0; i < target - 1; i++) start += (lines[i]?.length ?? 0) + 1;
      const end = start + (lines[target - 1]?.length ?? 0);
      el.focus();
      el.setSelectionRange(start, end);
      el.scrollTop = Math.max(0, (target - 1) * LINE_PX - el.clientHeight / 3);
    },
  }));

  return (
    <div
      className={cx(
        "flex overflow-hidden rounded-md border bg-white font-mono text-[13px] shadow-sm focus-within:outline-2 focus-within:outline-offset-1 focus-within:outline-brand-600 dark:bg-zinc-950 dark:focus-within:outline-brand-400",
        invalid ? "border-red-500 dark:border-red-400" : "border-zinc-300 dark:border-zinc-700",
        className,
      )}
    >
      <div aria-hidden="true" className="relative shrink-0 overflow-hidden border-r border-zinc-200 bg-zinc-50 text-right text-zinc-400 select-none dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-500">
        <div className="py-2" style={{ transform: `translateY(-${scrollTop}px)` }}>
          {Array.from({ length: lineCount }, (_, i) => {
            const bad = problemLines?.has(i + 1);
            return (
              <div
                key={i}
                style={{ height: LINE_PX, lineHeight: `${LINE_PX}px` }}
                className={cx("min-w-12 px-3", bad && "bg-red-100 font-semibold text-red-700 dark:bg-red-950 dark:text-red-300")}
              >
                {i + 1}
              </div>
            );
          })}
        </div>
      </div>
      <textarea
        ref={area}
        id={id}
        aria-label={label}
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
        value={value}
        readOnly={readOnly}
        onChange={(e) => onChange(e.target.value)}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onKeyDown={(e) => {
          if (onSave && (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
            e.preventDefault();
            onSave();
          }
        }}
        wrap="off"
        spellCheck={false}
        autoCapitalize="none"
        autoComplete="off"
        autoCorrect="off"
        style={{ lineHeight: `${LINE_PX}px` }}
        className="min-h-0 flex-1 resize-none overflow-auto bg-transparent px-3 py-2 whitespace-pre text-zinc-900 outline-none read-only:text-zinc-600 dark:text-zinc-100 dark:read-only:text-zinc-400"
      />
    </div>
  );
}
