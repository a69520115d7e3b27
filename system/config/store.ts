// The configuration in force: the last good one stays current when a reload or a change fails validation.
import { type ConfigContext, type LoadedConfig, loadConfig } from "./load";
import { defaultConfig, type MaculaConfig } from "./schema";
import { type ConfigEntry, saveConfigText, setConfigValues } from "./write";

/** Holds the last good configuration in memory; reloads and changes run one at a time and replace it only on success. */
export class ConfigStore {
  #loaded: LoadedConfig;
  #queue: Promise<unknown> = Promise.resolve();

  /** Starts with `initial` (all defaults when omitted) without reading the disk; call reload() to read it. */
  constructor(
    readonly ctx: ConfigContext,
    initial: LoadedConfig = { config: defaultConfig(), sources: [] },
  ) {
    this.#loaded = initial;
  }

  /** Loads the configuration from disk; throws INVALID_CONFIG when it does not validate. */
  static async open(ctx: ConfigContext): Promise<ConfigStore> {
    return new ConfigStore(ctx, await loadConfig(ctx));
  }

  /** The configuration in force. */
  current(): MaculaConfig {
    return this.#loaded.config;
  }

  /** The files the configuration in force came from, in merge order. */
  sources(): string[] {
    return this.#loaded.sources;
  }

  /** Re-reads the disk; on failure throws and the previous configuration stays in force. */
  reload(): Promise<MaculaConfig> {
    return this.#apply(() => loadConfig(this.ctx));
  }

  /** Changes values in config.yaml (see setConfigValues) and puts the result in force. */
  set(entries: readonly ConfigEntry[]): Promise<MaculaConfig> {
    return this.#apply(() => setConfigValues(this.ctx, entries));
  }

  /** Replaces config.yaml with `text` (see saveConfigText) and puts the result in force. */
  save(text: string): Promise<MaculaConfig> {
    return this.#apply(() => saveConfigText(this.ctx, text));
  }

  #apply(step: () => Promise<LoadedConfig>): Promise<MaculaConfig> {
    const run = this.#queue.then(step, step).then((loaded) => {
      this.#loaded = loaded;
      return loaded.config;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
