// Reading and changing single values, and saving the config file: validate the result first, then write atomically.
import { dirname } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { CST, isScalar, Parser, parseDocument } from "yaml";
import type { z } from "zod";
import { AppError } from "../errors";
import { devicePaths } from "../host/paths";
import { writeFileAtomic } from "../host/atomic-write";
import { ensureDir, readTextIfExists } from "../host/files";
import { configError, yamlProblems } from "./errors";
import { type ConfigContext, evaluate, type LoadedConfig, parseSource, readDropIns } from "./load";
import { configSchema, type MaculaConfig } from "./schema";

/** One change for setConfigValues: a dotted key and its new value (undefined removes the key). */
export interface ConfigEntry {
  key: string;
  value: unknown;
}

type Def = { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType; out?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType };
const defOf = (s: z.core.$ZodType) => s._zod.def as unknown as Def;

/** The schema one path segment below `schema` (looking through optional/default/pipe wrappers), if the schema has it. */
function childSchema(schema: z.core.$ZodType, seg: string | number): z.core.$ZodType | undefined {
  let def = defOf(schema);
  while (def.innerType || def.type === "pipe") {
    const next = def.innerType ?? (def.in && defOf(def.in).type === "transform" ? def.out : def.in);
    if (!next) return undefined;
    def = defOf(next);
  }
  if (def.type === "object" && typeof seg === "string" && def.shape && Object.hasOwn(def.shape, seg)) return def.shape[seg];
  if (def.type === "array" && typeof seg === "number") return def.element;
  return undefined;
}

/** Splits a dotted key (`mesh.role`, `maculaos.mesh.role`, `network.interfaces.0.name`) into a path inside `maculaos:`; INVALID_INPUT when the schema has no such key. */
export function parseKey(key: string): Array<string | number> {
  const segs = key.trim().split(".");
  if (segs[0] === "maculaos") segs.shift();
  const path = segs.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  let schema: z.core.$ZodType | undefined = configSchema;
  for (const seg of path) schema = seg === "" ? undefined : schema && childSchema(schema, seg);
  if (!schema) throw new AppError("INVALID_INPUT", `unknown config key "${key}"`);
  return path;
}

/** Reads one value by dotted key (undefined when an optional key is unset); INVALID_INPUT for a key the schema lacks. */
export function getConfigValue(config: MaculaConfig, key: string): unknown {
  return parseKey(key).reduce<unknown>((v, seg) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[seg] : undefined), config);
}

/** Parses a CLI value as YAML, so `true`, `4433`, `[a, b]` and `{a: 1}` are typed; INVALID_INPUT when it is not YAML. */
export function parseCliValue(text: string): unknown {
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error) throw new AppError("INVALID_INPUT", `cannot parse value ${JSON.stringify(text)}: ${error.message.split("\n")[0]}`);
  return doc.toJS();
}

/** The CST node one path segment below `node` in a block or flow collection. */
function cstChild(node: CST.Token, seg: string | number): CST.Token | undefined {
  if (!CST.isCollection(node)) return undefined;
  if (typeof seg === "number") return node.type === "block-seq" || (node.type === "flow-collection" && node.start.source === "[") ? node.items[seg]?.value : undefined;
  return node.items.find((item) => item.key && CST.resolveAsScalar(item.key)?.value === seg)?.value;
}

/** Replaces one existing scalar in the YAML source, every other byte (and a trailing comment's column) kept; undefined when it cannot. */
function setScalarInSource(text: string, path: Array<string | number>, value: unknown, type?: "PLAIN" | "QUOTE_DOUBLE"): string | undefined {
  if (typeof value === "object" && value !== null) return undefined;
  const tokens = Array.from(new Parser().parse(text));
  let node = tokens.find((t): t is CST.Document => t.type === "document")?.value;
  let inFlow = false;
  for (const seg of path) {
    inFlow ||= node?.type === "flow-collection";
    node = node && cstChild(node, seg);
  }
  if (!node || !CST.isScalar(node) || node.type === "block-scalar") return undefined;
  const oldLength = node.source.length;
  CST.setScalarValue(node, String(value), { afterKey: typeof path.at(-1) === "string", inFlow, type });
  const [space, comment] = "end" in node && node.end ? node.end : [];
  if (space?.type === "space" && comment?.type === "comment") space.source = " ".repeat(Math.max(1, space.source.length + oldLength - node.source.length));
  const out = tokens.map((t) => CST.stringify(t)).join("");
  const check = parseDocument(out);
  return check.errors.length === 0 && isDeepStrictEqual(check.getIn(path), value) ? out : undefined;
}

/** Sets one value in YAML text: in place when it replaces a scalar, else through the Document API (comments kept, layout normalised). */
function setInText(text: string, path: Array<string | number>, value: unknown, key: string): string {
  // a string keeps its token's quoting unless that would read back as another type ("123", "true"); other scalars are plain
  const inPlace =
    value === undefined ? undefined : typeof value === "string" ? (setScalarInSource(text, path, value) ?? setScalarInSource(text, path, value, "QUOTE_DOUBLE")) : setScalarInSource(text, path, value, "PLAIN");
  if (inPlace !== undefined) return inPlace;
  const doc = parseDocument(text);
  try {
    if (value === undefined) doc.deleteIn(path);
    else {
      for (let i = 1; i < path.length; i++) {
        const parent = doc.getIn(path.slice(0, i), true);
        if (isScalar(parent) && parent.value === null) doc.setIn(path.slice(0, i), doc.createNode(typeof path[i] === "number" ? [] : {}));
      }
      doc.setIn(path, value);
    }
  } catch (cause) {
    throw new AppError("INVALID_INPUT", `cannot set "${key}": ${(cause as Error).message}`, { cause });
  }
  const indentSeq = !/^( *)[^\s#-][^\n]*:[ \t]*(#[^\n]*)?\n\1- /m.test(text); // keep "key:\n- item" lists unindented
  return doc.toString({ lineWidth: 0, indentSeq });
}

/** Validates `text` as the new config.yaml merged with the drop-ins, then writes it atomically; INVALID_CONFIG leaves the file untouched. */
export async function saveConfigText(ctx: ConfigContext, text: string): Promise<LoadedConfig> {
  const file = devicePaths(ctx.root).config;
  const sources = [parseSource(text, file), ...(await readDropIns(ctx.root))];
  const result = evaluate(sources, ctx.env);
  if (!result.ok) throw configError(result.problems);
  await ensureDir(dirname(file));
  await writeFileAtomic(file, text);
  return { config: result.config, sources: sources.map((s) => s.file) };
}

/** Changes values in config.yaml keeping the user's comments and layout; the result is validated before it is written. */
export async function setConfigValues(ctx: ConfigContext, entries: readonly ConfigEntry[]): Promise<LoadedConfig> {
  const file = devicePaths(ctx.root).config;
  let text = (await readTextIfExists(file)) ?? "";
  const errors = parseDocument(text).errors;
  if (errors.length) throw configError(yamlProblems(errors, file));
  for (const { key, value } of entries) text = setInText(text, ["maculaos", ...parseKey(key)], value, key);
  return saveConfigText(ctx, text);
}
