// Alerts: rules from `alerts:` (and failing health checks whose action is alert) evaluated after every sample.
// A rule fires when its condition has held for `for`, and resolves only after the value is back past the threshold
// by a margin and has stayed there for `for` (at least 3 evaluations in a row), so a value hovering at the line never flaps.
// Each firing and resolution goes to the dashboard, the event log and the local NATS bus (subject = the topic).
import { EventEmitter } from "node:events";
import { parseCondition, type AlertCondition } from "../config/schema";
import type { System } from "../system";
import type { Bus } from "./bus";
import { parseDuration } from "./duration";
import type { Sample, SeriesName } from "./sampler";
import type { ServiceStatus } from "./sources";

/** What an alert is doing now. `no_data`: its metric has no reading on this machine (e.g. no temperature sensor). */
export type AlertStateName = "ok" | "pending" | "firing" | "no_data";

/** An alert as the dashboard and `alerts.list` show it. */
export interface AlertView {
  name: string;
  condition: string;
  topic: string;
  state: AlertStateName;
  value: number | null;
  /** When the current state began (ISO). */
  since: string;
}

/**
 * The JSON published on the bus, subject = the alert's topic (e.g. io.mycompany.alerts.disk_full):
 * `{ type: "maculaos.alert", version: 1, alert, state: "firing"|"resolved", condition, value, node, realm, since, at }`.
 */
export interface AlertMessage {
  type: "maculaos.alert";
  version: 1;
  alert: string;
  state: "firing" | "resolved";
  condition: string;
  value: number | null;
  node: string;
  realm: string;
  since: string;
  at: string;
}

/** One observation of a rule: is it active, has it cleared (past the margin), and the value. null active = no data. */
export interface Observation {
  active: boolean | null;
  cleared: boolean;
  value: number | null;
}

const METRIC_SERIES: Record<string, SeriesName> = { disk_usage: "disk", memory_usage: "memory", cpu_usage: "cpu", temperature: "temperature", load: "load" };
/** Without `for`, a firing alert resolves after it has been clear for 2 intervals (3 evaluations in a row). */
const MIN_HOLD_INTERVALS = 2;

/** The hysteresis margin of a threshold: 2 points for percentages and degrees, 10% of the threshold for load. */
function margin(c: Extract<AlertCondition, { kind: "threshold" }>): number {
  return c.metric === "load" ? Math.abs(c.value) * 0.1 : 2;
}

function compare(op: string, a: number, b: number): boolean {
  return op === ">" ? a > b : op === ">=" ? a >= b : op === "<" ? a < b : op === "<=" ? a <= b : a === b;
}

/** Observes a parsed condition against a sample and the services (undefined when no service manager is connected). */
export function observe(c: AlertCondition, s: Sample | undefined, services: ServiceStatus[] | undefined): Observation {
  if (c.kind === "service_down") {
    if (!services) return { active: null, cleared: false, value: null };
    const down = services.filter((x) => !x.up && (c.service === undefined || x.name === c.service)).length;
    const known = c.service === undefined || services.some((x) => x.name === c.service);
    return known ? { active: down > 0, cleared: down === 0, value: down } : { active: null, cleared: false, value: null };
  }
  const v = s ? s[METRIC_SERIES[c.metric] as SeriesName] : NaN;
  if (Number.isNaN(v)) return { active: null, cleared: false, value: null };
  const m = margin(c);
  // cleared: the opposite side of the threshold moved away by the margin (for "==" any other value clears)
  const shifted = c.op === ">" || c.op === ">=" ? c.value - m : c.op === "<" || c.op === "<=" ? c.value + m : c.value;
  return { active: compare(c.op, v, c.value), cleared: c.op === "==" ? v !== c.value : !compare(c.op, v, shifted), value: v };
}

interface Tracked {
  view: AlertView;
  firing: boolean;
  /** When the condition began to hold (pending) or began to clear (while firing). */
  mark: number | null;
  firedAt: number | null;
}

/** The rule being evaluated. */
export interface RuleInput {
  name: string;
  condition: string;
  topic: string;
  forMs: number;
}

/** Keeps every alert's state and delivers transitions. */
export class Alerts extends EventEmitter<{ change: [AlertView] }> {
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    private readonly sys: System,
    private readonly bus: () => Bus,
    private readonly intervalMs: () => number,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** The rules of `alerts:` in the config in force. */
  rules(): RuleInput[] {
    return this.sys.config.current().alerts.map((a) => ({ name: a.name, condition: a.condition, topic: a.topic, forMs: a.for ? parseDuration(a.for) : 0 }));
  }

  /** Evaluates every configured rule against a sample (the schedule is the sampler's interval). */
  async evaluate(sample: Sample | undefined, services: ServiceStatus[] | undefined, now = Date.now()): Promise<void> {
    const rules = this.rules();
    const names = new Set(rules.map((r) => r.name));
    for (const key of this.tracked.keys()) if (!key.startsWith("check:") && !names.has(key)) this.tracked.delete(key);
    for (const r of rules) {
      const c = parseCondition(r.condition);
      if (c) await this.update(r, observe(c, sample, services), now);
    }
  }

  /** Feeds one observation of a rule; fires or resolves when its state changes for long enough. */
  async update(rule: RuleInput, o: Observation, now = Date.now()): Promise<void> {
    let t = this.tracked.get(rule.name);
    if (!t || t.view.condition !== rule.condition || t.view.topic !== rule.topic) {
      t = { view: { name: rule.name, condition: rule.condition, topic: rule.topic, state: "ok", value: null, since: new Date(now).toISOString() }, firing: false, mark: null, firedAt: null };
      this.tracked.set(rule.name, t);
    }
    t.view.value = o.value;
    const set = (state: AlertStateName) => {
      if (t.view.state !== state) Object.assign(t.view, { state, since: new Date(now).toISOString() });
    };
    const hold = Math.max(rule.forMs, MIN_HOLD_INTERVALS * this.intervalMs());
    if (t.firing) {
      if (o.active !== null && o.cleared) {
        t.mark ??= now;
        if (now - t.mark >= hold) {
          t.firing = false;
          t.mark = null;
          set("ok");
          await this.deliver(rule, "resolved", o.value, t.firedAt ?? now, now);
        }
      } else t.mark = null; // still active, in the margin, or no data: a firing alert stays firing
      this.emit("change", t.view);
      return;
    }
    if (o.active === null) {
      t.mark = null;
      set("no_data");
    } else if (!o.active) {
      t.mark = null;
      set("ok");
    } else {
      t.mark ??= now;
      if (now - t.mark >= rule.forMs) {
        t.firing = true;
        t.firedAt = now;
        t.mark = null;
        set("firing");
        await this.deliver(rule, "firing", o.value, now, now);
      } else set("pending");
    }
    this.emit("change", t.view);
  }

  /** Forgets a rule that no longer exists (a removed health check). */
  forget(name: string): void {
    this.tracked.delete(name);
  }

  /** Every alert's state, firing first. */
  list(): AlertView[] {
    const rank = { firing: 0, pending: 1, no_data: 2, ok: 3 };
    return [...this.tracked.values()].map((t) => ({ ...t.view })).sort((a, b) => rank[a.state] - rank[b.state] || a.name.localeCompare(b.name));
  }

  /** How many alerts are firing now. */
  firingCount(): number {
    return [...this.tracked.values()].filter((t) => t.firing).length;
  }

  private async deliver(rule: RuleInput, state: "firing" | "resolved", value: number | null, since: number, now: number): Promise<void> {
    const config = this.sys.config.current();
    const message: AlertMessage = { type: "maculaos.alert", version: 1, alert: rule.name, state, condition: rule.condition, value, node: config.hostname, realm: config.mesh.realm, since: new Date(since).toISOString(), at: new Date(now).toISOString() };
    this.bus().publish(rule.topic, message);
    await this.sys.events.record({ actor: "system", action: `alert.${state}`, target: rule.name, outcome: state === "firing" ? "failed" : "ok", detail: `${rule.condition}${value === null ? "" : ` (value ${value})`}; published on ${rule.topic}` });
  }
}
