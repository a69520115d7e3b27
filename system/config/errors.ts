// Configuration problems: zod issues and YAML syntax errors as messages like `maculaos.mesh.role: expected peer | gateway | bootstrap`.
import type { YAMLError } from "yaml";
import type { z } from "zod";
import { AppError } from "../errors";

/** One thing wrong with a configuration: the dotted path (empty for syntax errors), the message, and where, when known. */
export interface ConfigProblem {
  path: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** The dotted form of a path: ["maculaos", "alerts", 0, "name"] becomes "maculaos.alerts.0.name". */
export const dotted = (path: ReadonlyArray<PropertyKey>): string => path.map(String).join(".");

const NOUNS: Record<string, string> = { object: "a map", array: "a list", string: "a string", number: "a number", boolean: "true or false" };
const noun = (t: string) => NOUNS[t] ?? t;
const kind = (v: unknown) => (v === null ? "nothing (null)" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a map" : noun(typeof v));

/** The per-parse zod error map: plain wording for the issues the schema does not word itself. */
export const issueMessage: z.core.$ZodErrorMap = (iss) => {
  if (iss.code === "invalid_type") return iss.input === undefined ? `required: ${noun(iss.expected)}` : `expected ${noun(iss.expected)}, got ${kind(iss.input)}`;
  if (iss.code === "invalid_value") return `expected ${iss.values.map(String).join(" | ")}`;
  return undefined;
};

/** Finds where a config path is written (file, line, column), when it is. */
export type Locator = (path: readonly PropertyKey[]) => Pick<ConfigProblem, "file" | "line" | "column"> | undefined;

/** A problem at a config path, located in its file when `locate` knows where. */
export function problemAt(path: readonly PropertyKey[], message: string, locate?: Locator): ConfigProblem {
  return { path: path.length ? dotted(path) : "(top level)", message, ...locate?.(path) };
}

/** Turns zod issues into problems; an unknown-keys issue becomes one problem per key, at the key's own path. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], locate?: Locator): ConfigProblem[] {
  return issues.flatMap((iss) =>
    iss.code === "unrecognized_keys" ? iss.keys.map((key) => problemAt([...iss.path, key], iss.message, locate)) : [problemAt(iss.path, iss.message, locate)],
  );
}

/** Turns YAML syntax errors of `file` into problems carrying line and column. */
export function yamlProblems(errors: readonly YAMLError[], file: string): ConfigProblem[] {
  return errors.map((e) => ({
    path: "",
    message: `YAML syntax error: ${e.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")}`,
    file,
    line: e.linePos?.[0].line,
    column: e.linePos?.[0].col,
  }));
}

/** One problem as a line of text: `path: message (file:line:col)`, or `file:line:col: message` for a syntax error. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.file === undefined ? "" : [p.file, p.line, p.column].filter((x) => x !== undefined).join(":");
  if (!p.path) return where ? `${where}: ${p.message}` : p.message;
  return where ? `${p.path}: ${p.message} (${where})` : `${p.path}: ${p.message}`;
}

/** The INVALID_CONFIG AppError for a list of problems: the message lists them all, details.problems holds them. */
export function configError(problems: ConfigProblem[]): AppError {
  return new AppError("INVALID_CONFIG", problems.map(formatProblem).join("\n"), { details: { problems } });
}
