"use client";
// A clock for relative times that re-renders on an interval.
import { useEffect, useState } from "react";

/** Milliseconds since the epoch, refreshed every `intervalMs` (default 30 s). */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(id);
  }, [intervalMs]);
  return now;
}
