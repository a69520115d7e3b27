// The config as the rest of the system uses it: the store in force, plus events for each change and a
// start that survives an invalid file (defaults stay in force and the problem is reported, not a crash loop).
import type { Principal } from "../accounts/accounts";
import { actorOf } from "../accounts/accounts";
import { isAppError } from "../errors";
import type { EventLog } from "../events/events";
import type { Logger } from "../logging/logger";
import { devicePaths } from "../host/paths";
import { isMap, isSeq, parseDocument } from "yaml";
import { readTextIfExists } from "../host/files";
import { validateConfigText, type ConfigContext } from "./load";
import type { MaculaConfig } from "./schema";
import { ConfigStore } from "./store";
import { getConfigValue, parseCliValue, type ConfigEntry } from "./write";

/** Config paths that hold secrets ("*" is any list index): only admins see their values. */
const SECRET_PATHS: readonly (readonly string[])[] = [
  ["mesh", "wireguard", "private_key"],
  ["registries", "*", "password"],
];
const HIDDEN = "********";

/** Calls `visit` with each concrete path of a secret that `has` reports present, expanding "*" over list lengths. */
function eachSecret(length: (path: (string | number)[]) => number, has: (path: (string | number)[]) => boolean, visit: (path: (string | number)[]) => void): void {
  const walk = (pattern: readonly string[], at: (string | number)[]) => {
    const [head, ...rest] = pattern;
    if (head === undefined) return void (has(at) && visit(at));
    if (head === "*") for (let i = 0; i < length(at); i++) walk(rest, [...at, i]);
    else walk(rest, [...at, head]);
  };
  for (const p of SECRET_PATHS) walk(p, []);
}

/** The config with secret values replaced by "********". */
function redactConfig(config: MaculaConfig): MaculaConfig {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  const at = (path: (string | number)[]) => path.reduce<unknown>((o, k) => (o as Record<string | number, unknown> | undefined)?.[k], copy);
  eachSecret(
    (path) => (Array.isArray(at(path)) ? (at(path) as unknown[]).length : 0),
    (path) => Boolean(at(path)),
    (path) => ((at(path.slice(0, -1)) as Record<string | number, unknown>)[path.at(-1)!] = HIDDEN),
  );
  return copy as unknown as MaculaConfig;
}

/** config.yaml text with secret values replaced by "********" (comments and layout kept). */
function redactText(text: string): string {
  const doc = parseDocument(text);
  const node = (path: (string | number)[]) => doc.getIn(["maculaos", ...path], true);
  eachSecret(
    (path) => {
      const n = node(path);
      return isSeq(n) ? n.items.length : 0;
    },
    (path) => doc.hasIn(["maculaos", ...path]) && !isMap(node(path)),
    (path) => doc.setIn(["maculaos", ...path], HIDDEN),
  );
  return doc.errors.length ? "" : doc.toString();
}

/** The node's configuration: read it, check text against it, and change it with an event per change. */
export class ConfigService {
  /** Why the file on disk was not put in force at start, or null. */
  problem: string | null = null;

  private constructor(
    private readonly store: ConfigStore,
    private readonly events: EventLog,
  ) {}

  /** Loads the config; an invalid file leaves the defaults in force and sets `problem`. */
  static async open(o: ConfigContext & { events: EventLog; log: Logger }): Promise<ConfigService> {
    try {
      return new ConfigService(await ConfigStore.open(o), o.events);
    } catch (e) {
      if (!isAppError(e, "INVALID_CONFIG")) throw e;
      o.log.warn("config.yaml is invalid; running on defaults until it is fixed", { problem: e.message });
      const service = new ConfigService(new ConfigStore(o), o.events);
      service.problem = e.message;
      return service;
    }
  }

  /** The configuration in force. */
  current(): MaculaConfig {
    return this.store.current();
  }

  /** The config.yaml text as on disk (empty when absent) and the configuration in force; secrets hidden from viewers. */
  async snapshot(viewer: Principal): Promise<{ yaml: string; config: MaculaConfig; sources: string[]; problem: string | null }> {
    const yaml = (await readTextIfExists(devicePaths(this.store.ctx.root).config)) ?? "";
    const admin = viewer.role === "admin";
    return { yaml: admin ? yaml : redactText(yaml), config: admin ? this.current() : redactConfig(this.current()), sources: this.store.sources(), problem: this.problem };
  }

  /** One value of the configuration in force by dotted key (`mesh.role`); secrets hidden from viewers. */
  get(key: string, viewer: Principal): unknown {
    return getConfigValue(viewer.role === "admin" ? this.current() : redactConfig(this.current()), key);
  }

  /** Checks a config.yaml text without writing it. */
  validate(text: string) {
    const r = validateConfigText(text, { env: this.store.ctx.env, fileName: "config.yaml" });
    return r.ok ? { ok: true as const } : { ok: false as const, problems: r.problems };
  }

  private async change(actor: Principal, action: string, detail: string, step: () => Promise<MaculaConfig>): Promise<MaculaConfig> {
    try {
      const config = await step();
      this.problem = null;
      await this.events.record({ actor: actorOf(actor), action, target: "config.yaml", outcome: "ok", detail });
      return config;
    } catch (e) {
      await this.events.record({ actor: actorOf(actor), action, target: "config.yaml", outcome: "failed", detail: e instanceof Error ? e.message : String(e) });
      throw e;
    }
  }

  /** Replaces config.yaml with `text` after validating it. */
  save(actor: Principal, text: string): Promise<MaculaConfig> {
    return this.change(actor, "config.save", "config.yaml replaced", () => this.store.save(text));
  }

  /** Sets dotted keys in config.yaml, all or nothing, keeping comments; a `raw` value is parsed as YAML first. */
  set(entries: readonly (ConfigEntry | { key: string; raw: string })[], actor: Principal = { kind: "root", name: "system", role: "admin" }): Promise<MaculaConfig> {
    const parsed = entries.map((e) => ("raw" in e ? { key: e.key, value: parseCliValue(e.raw) } : e));
    return this.change(actor, "config.set", entries.map((e) => e.key).join(", "), () => this.store.set(parsed));
  }

  /** Re-reads the files on disk; on failure the configuration in force stays. */
  reload(): Promise<MaculaConfig> {
    return this.store.reload();
  }
}
