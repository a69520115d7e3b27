"use client";
// A small time-series chart drawn by uPlot (about 50 KB, canvas): lines over time, a legend with the latest value,
// theme-aware axes, and new data drawn in place without re-creating the chart.
import { useEffect, useRef } from "react";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { cx } from "./cx";

/** Shows the newest values in the legend while the pointer is not over the chart. */
function showLatest(u: uPlot): void {
  const n = u.data[0]?.length ?? 0;
  if (n > 0 && u.cursor.left !== undefined && u.cursor.left < 0) u.setLegend({ idx: n - 1 });
}

/** One line of a chart. */
export type ChartSeries = { label: string; color: string; values: (number | null)[] };

/** A time-series chart; `at` are milliseconds, `format` renders axis and legend values. */
export function TimeChart({
  label,
  at,
  series,
  format,
  height = 140,
  max,
  className,
}: {
  label: string;
  at: number[];
  series: ChartSeries[];
  format: (v: number) => string;
  height?: number;
  /** A fixed top of the y axis (100 for percentages). */
  max?: number;
  className?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef({ at, series, format });
  latest.current = { at, series, format };
  const shape = series.map((s) => `${s.label}:${s.color}`).join("|");

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let disposed = false;
    let observer: ResizeObserver | undefined;
    void import("uplot").then(({ default: UPlot }) => {
      if (disposed) return;
      const axis = getComputedStyle(el).color;
      const grid = "rgba(128,128,128,0.15)";
      const fmt = (v: number | null) => (v === null || v === undefined ? "–" : latest.current.format(v));
      const u = new UPlot(
        {
          width: el.clientWidth || 300,
          height,
          legend: { show: true, live: true },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true }, y: { range: (_u, lo, hi) => [Math.min(0, lo), max ?? (hi > 0 ? hi * 1.1 : 1)] } },
          axes: [
            { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid } },
            { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid }, size: 76, values: (_u, vals) => vals.map((v) => fmt(v)) },
          ],
          series: [{ value: (_u, v) => (v ? new Date(v * 1000).toLocaleTimeString() : "–") }, ...latest.current.series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, fill: `${s.color}22`, value: (_u: uPlot, v: number | null) => fmt(v), spanGaps: false }))],
        },
        [latest.current.at.map((t) => t / 1000), ...latest.current.series.map((s) => s.values)] as uPlot.AlignedData,
        el,
      );
      chart.current = u;
      showLatest(u);
      observer = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height }));
      observer.observe(el);
    });
    return () => {
      disposed = true;
      observer?.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, [shape, height, max]);

  useEffect(() => {
    const u = chart.current;
    if (!u) return;
    u.setData([at.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData);
    showLatest(u);
  }, [at, series]);

  return <div ref={box} role="img" aria-label={label} data-points={at.length} className={cx("time-chart min-w-0 text-xs text-zinc-500 dark:text-zinc-400", className)} />;
}
