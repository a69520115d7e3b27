"use client";
// Copy-to-clipboard that also works on plain-http node addresses (where navigator.clipboard is unavailable).
import { useEffect, useState } from "react";
import { Button } from "./button";
import { Icon } from "./icons";

function legacyCopy(text: string): boolean {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/** Copies `text` to the clipboard (the Clipboard API, else a hidden textarea); false when the browser refused. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (window.isSecureContext && navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall back below
  }
  return legacyCopy(text);
}

/** Copies `text` to the clipboard; the label changes to "Copied" (announced) for a moment. */
export function CopyButton({ text, label = "Copy", className }: { text: string; label?: string; className?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const id = window.setTimeout(() => setState("idle"), 2000);
    return () => window.clearTimeout(id);
  }, [state]);

  const copy = async () => setState((await copyText(text)) ? "copied" : "failed");

  return (
    <Button variant="secondary" size="sm" className={className} onClick={() => void copy()}>
      <Icon name={state === "copied" ? "check" : "copy"} className="size-4" />
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Select and copy" : label}</span>
    </Button>
  );
}
