// A small line chart of round-trip times (SVG, no library): one line per series, gaps where nothing answered.
import { useId } from "react";

/** One series: a name and its samples (time, milliseconds or null for no answer). */
export type LatencySeries = { name: string; samples: { at: string; rttMs: number | null }[] };

const COLORS = ["#6366f1", "#10b981", "#f59e0b", "#ef4444", "#0ea5e9", "#a855f7"];
const W = 600;
const H = 160;
const PAD = { left: 44, right: 8, top: 8, bottom: 20 };

/** Draws the series over their common time range, with a y axis in ms and a legend; a table follows for screen readers. */
export function LatencyChart({ series, label }: { series: LatencySeries[]; label: string }) {
  const titleId = useId();
  const all = series.flatMap((s) => s.samples);
  const times = all.map((s) => Date.parse(s.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const top = Math.max(0.1, ...all.map((s) => s.rttMs ?? 0)) * 1.15;
  const x = (at: string) => PAD.left + ((Date.parse(at) - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (ms: number) => PAD.top + (1 - ms / top) * (H - PAD.top - PAD.bottom);
  const path = (samples: LatencySeries["samples"]) => {
    let d = "";
    let pen = false;
    for (const s of samples) {
      if (s.rttMs === null) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${x(s.at).toFixed(1)},${y(s.rttMs).toFixed(1)}`;
      pen = true;
    }
    return d;
  };
  const ticks = [0, top / 2, top].map((v) => Number(v.toPrecision(2)));
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={titleId} className="h-40 w-full text-zinc-400" preserveAspectRatio="none">
        <title id={titleId}>{label}</title>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} stroke="currentColor" strokeOpacity={0.25} strokeDasharray="3 3" />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" fontSize="10" fill="currentColor">
              {v} ms
            </text>
          </g>
        ))}
        {series.map((s, i) => (
          <g key={s.name}>
            <path d={path(s.samples)} fill="none" stroke={COLORS[i % COLORS.length]} strokeWidth={2} vectorEffect="non-scaling-stroke" />
            {s.samples.map((p) => (p.rttMs === null ? <circle key={p.at} cx={x(p.at)} cy={H - PAD.bottom} r={3} fill="#ef4444" /> : null))}
          </g>
        ))}
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400">
        {series.map((s, i) => (
          <span key={s.name} className="inline-flex items-center gap-1.5">
            <span aria-hidden="true" className="inline-block h-0.5 w-4" style={{ background: COLORS[i % COLORS.length] }} />
            <span className="font-mono">{s.name}</span>
          </span>
        ))}
        <span className="inline-flex items-center gap-1.5">
          <span aria-hidden="true" className="inline-block size-2 rounded-full bg-red-500" /> no answer
        </span>
      </figcaption>
    </figure>
  );
}
