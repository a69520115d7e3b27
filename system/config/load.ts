// Loading the configuration: config.yaml, then config.d/*.yaml merged on top, then ${VAR} substitution, then validation.
import { join } from "node:path";
import { type Document, isNode, LineCounter, parseDocument } from "yaml";
import { listDir, readTextIfExists } from "../host/files";
import { devicePaths } from "../host/paths";
import { type ConfigProblem, configError, issueMessage, issuesToProblems, type Locator, problemAt, yamlProblems } from "./errors";
import { configFileSchema, type MaculaConfig } from "./schema";

/** Where the configuration lives (the device root) and the environment that `${VAR}` references read. */
export interface ConfigContext {
  root: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** A validated configuration and the files it came from, in merge order. */
export interface LoadedConfig {
  config: MaculaConfig;
  sources: string[];
}

/** The outcome of validating configuration: the parsed config, or every problem found. */
export type ValidationResult = { ok: true; config: MaculaConfig } | { ok: false; problems: ConfigProblem[] };

/** One parsed configuration file; syntax errors stay in `doc.errors`. */
export interface ConfigSource {
  file: string;
  doc: Document;
  lines: LineCounter;
}

/** Parses one YAML text as a configuration source named `file`. */
export function parseSource(text: string, file: string): ConfigSource {
  const lines = new LineCounter();
  return { file, doc: parseDocument(text, { lineCounter: lines }), lines };
}

/** Parses the drop-ins `<root>/var/lib/maculaos/config.d/*.yaml` in lexical order (hidden files are skipped). */
export async function readDropIns(root: string): Promise<ConfigSource[]> {
  const dir = devicePaths(root).configDropins;
  const names = await listDir(dir);
  const files = names.filter((n) => n.endsWith(".yaml") && !n.startsWith(".")).sort().map((n) => join(dir, n));
  return Promise.all(files.map(async (f) => parseSource((await readTextIfExists(f)) ?? "", f)));
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Merges `patch` onto `base` (RFC 7386 merge patch): maps merge deeply, arrays and scalars replace, null deletes. */
export function mergePatch(base: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return patch;
  const out = new Map(isMap(base) ? Object.entries(base) : []);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) out.delete(k);
    else out.set(k, mergePatch(out.get(k), v));
  }
  return Object.fromEntries(out);
}

const VAR = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${VAR}` and `${VAR:-default}` in every string value from `env` (`$${...}` stays literal); unset variables become problems. */
export function substituteEnv(value: unknown, env: ConfigContext["env"], problems: ConfigProblem[], path: PropertyKey[] = [], locate?: Locator): unknown {
  if (typeof value === "string")
    return value.replace(VAR, (match, escape: string, name: string, fallback: string | undefined) => {
      if (escape) return match.slice(1);
      const v = env[name];
      if (v !== undefined && (v !== "" || fallback === undefined)) return v;
      if (fallback !== undefined) return fallback;
      problems.push(problemAt(path, `environment variable ${name} is not set (write \${${name}:-default} to give a default)`, locate));
      return match;
    });
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, problems, [...path, i], locate));
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, problems, [...path, k], locate)]));
  return value;
}

/** Finds where a config path is written: the deepest existing node, in the last source that writes it. */
function locator(sources: readonly ConfigSource[]): Locator {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      for (const s of [...sources].reverse()) {
        const node = s.doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) {
          const pos = s.lines.linePos(node.range[0]);
          return { file: s.file, line: pos.line, column: pos.col };
        }
      }
    }
    return undefined;
  };
}

/** Merges, substitutes and validates parsed sources (first is the base); syntax errors are reported alone. */
export function evaluate(sources: readonly ConfigSource[], env: ConfigContext["env"]): ValidationResult {
  const syntax = sources.flatMap((s) => yamlProblems(s.doc.errors, s.file));
  if (syntax.length) return { ok: false, problems: syntax };
  const locate = locator(sources);
  const merged = sources.reduce<unknown>((acc, s) => {
    const value: unknown = s.doc.toJS();
    return value === null || value === undefined ? acc : mergePatch(acc, value);
  }, {});
  const problems: ConfigProblem[] = [];
  const parsed = configFileSchema.safeParse(substituteEnv(merged, env, problems, [], locate), { error: issueMessage });
  if (parsed.success && !problems.length) return { ok: true, config: parsed.data.maculaos };
  const unset = new Set(problems.map((p) => p.path)); // an unset variable's own path needs no second problem
  const invalid = parsed.success ? [] : issuesToProblems(parsed.error.issues, locate).filter((p) => !unset.has(p.path));
  return { ok: false, problems: [...problems, ...invalid] };
}

/** Validates one configuration text on its own (validate-as-you-type, `maculaos config validate FILE`). */
export function validateConfigText(text: string, options: { env: ConfigContext["env"]; fileName?: string }): ValidationResult {
  return evaluate([parseSource(text, options.fileName ?? "config.yaml")], options.env);
}

/** Loads `<root>/var/lib/maculaos/config.yaml` (missing = all defaults) with its drop-ins; throws INVALID_CONFIG listing every problem. */
export async function loadConfig(ctx: ConfigContext): Promise<LoadedConfig> {
  const file = devicePaths(ctx.root).config;
  const text = await readTextIfExists(file);
  const sources = [...(text === undefined ? [] : [parseSource(text, file)]), ...(await readDropIns(ctx.root))];
  const result = evaluate(sources, ctx.env);
  if (!result.ok) throw configError(result.problems);
  return { config: result.config, sources: sources.map((s) => s.file) };
}
