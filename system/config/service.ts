// The config as the rest of the system uses it: the store in force, plus events for each change and a
// start that survives an invalid file (defaults stay in force and the problem is reported, not a crash loop).
import type { Principal } from "../accounts/accounts";
import { actorOf } from "../accounts/accounts";
import { isAppError } from "../errors";
import type { EventLog } from "../events/events";
import type { Logger } from "../logging/logger";
import { devicePaths } from "../host/paths";
import { readTextIfExists } from "../host/files";
import { validateConfigText, type ConfigContext } from "./load";
import type { MaculaConfig } from "./schema";
import { ConfigStore } from "./store";
import { getConfigValue, parseCliValue, type ConfigEntry } from "./write";

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

  /** The config.yaml text as on disk (empty when absent) and the configuration in force. */
  async snapshot(): Promise<{ yaml: string; config: MaculaConfig; sources: string[]; problem: string | null }> {
    const yaml = (await readTextIfExists(devicePaths(this.store.ctx.root).config)) ?? "";
    return { yaml, config: this.current(), sources: this.store.sources(), problem: this.problem };
  }

  /** One value of the configuration in force by dotted key (`mesh.role`). */
  get(key: string): unknown {
    return getConfigValue(this.current(), key);
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
