"use client";
// A destructive action that asks "are you sure?" in place before it runs.
import { useEffect, useRef, useState } from "react";
import { Button } from "./button";

/** A danger button that turns into Confirm/Cancel on first click; Escape or Cancel backs out. */
export function ConfirmButton({
  label,
  confirmLabel,
  question,
  onConfirm,
  loading = false,
  disabled = false,
  title,
  "aria-label": ariaLabel,
}: {
  label: string;
  confirmLabel: string;
  question: string;
  onConfirm: () => void;
  loading?: boolean;
  disabled?: boolean;
  title?: string;
  "aria-label"?: string;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);

  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (wasAsking.current) triggerRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  if (asking || loading) {
    return (
      <span
        className="inline-flex flex-wrap items-center justify-end gap-2"
        role="group"
        aria-label={question}
        onKeyDown={(e) => {
          if (e.key === "Escape") setAsking(false);
        }}
      >
        <span className="text-sm text-zinc-700 dark:text-zinc-300">{question}</span>
        <Button variant="secondary" size="sm" onClick={() => setAsking(false)} disabled={loading}>
          Cancel
        </Button>
        <Button
          ref={confirmRef}
          variant="danger"
          size="sm"
          loading={loading}
          onClick={() => {
            onConfirm();
            setAsking(false);
          }}
        >
          {confirmLabel}
        </Button>
      </span>
    );
  }
  return (
    <Button ref={triggerRef} variant="ghost-danger" size="sm" onClick={() => setAsking(true)} disabled={disabled} title={title} aria-label={ariaLabel}>
      {label}
    </Button>
  );
}
