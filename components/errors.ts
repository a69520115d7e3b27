// Reading tRPC client errors: the code, a human message and field problems, without depending on the exact error shape.

/** A validation problem reported by the server: a dotted path, a message and, for YAML, a 1-based line. */
export type Problem = { path: string; message: string; line?: number };

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** The tRPC error code of an error ("UNAUTHORIZED", "FORBIDDEN", ...), or undefined for network and other errors. */
export function errorCode(err: unknown): string | undefined {
  const data = record(record(err)?.data);
  const code = data?.code;
  return typeof code === "string" ? code : undefined;
}

/** `s` with its first letter capitalised (server messages start lowercase). */
export function sentence(s: string): string {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

/** A message fit to show a person: the server's message, or a plain explanation for network failures. */
export function errorMessage(err: unknown): string {
  const e = record(err);
  const message = typeof e?.message === "string" ? e.message : "";
  if (!errorCode(err)) {
    if (/fetch|network|load failed|ECONNREFUSED|Unexpected token|JSON/i.test(message) || message === "") {
      return "Cannot reach the node. Check the connection and try again.";
    }
  }
  return sentence(message) || "Something went wrong.";
}

/** Field problems from `error.data.problems`, or one problem parsed from a "path: message" error message. */
export function errorProblems(err: unknown): Problem[] {
  const data = record(record(err)?.data);
  const raw = data?.problems;
  if (Array.isArray(raw)) {
    const out: Problem[] = [];
    for (const item of raw) {
      const p = record(item);
      if (!p || typeof p.message !== "string") continue;
      const path = Array.isArray(p.path) ? p.path.join(".") : typeof p.path === "string" ? p.path : "";
      out.push({ path, message: p.message, ...(typeof p.line === "number" ? { line: p.line } : {}) });
    }
    if (out.length > 0) return out;
  }
  if (errorCode(err) === "BAD_REQUEST") {
    const e = record(err);
    const msg = typeof e?.message === "string" ? e.message : "";
    const m = /^([A-Za-z_][\w-]*(?:\.[\w-]+)*): (.+)$/s.exec(msg);
    if (m?.[1] && m[2]) return [{ path: m[1], message: m[2] }];
  }
  return [];
}

/** Removes a leading "maculaos." from a config path, so "maculaos.mesh.role" becomes "mesh.role". */
export function stripConfigRoot(path: string): string {
  return path.replace(/^maculaos\./, "");
}

/** The message of a problem without a repeated "path: " prefix, capitalised. */
export function problemText(p: Problem): string {
  const prefixes = [p.path, stripConfigRoot(p.path), `maculaos.${stripConfigRoot(p.path)}`];
  for (const prefix of prefixes) {
    if (prefix && p.message.startsWith(`${prefix}: `)) return sentence(p.message.slice(prefix.length + 2));
  }
  return sentence(p.message);
}

/** Server problems placed on form fields by `fieldOf`, messages for one field joined; those it places nowhere come back in `rest` as "path: message" lines. `text` may reword a placed problem. */
export function problemsByField(
  problems: Problem[],
  fieldOf: (p: Problem) => string | undefined,
  text: (p: Problem, field: string) => string = problemText,
): { errors: Record<string, string>; rest: string[] } {
  const errors: Record<string, string> = {};
  const rest: string[] = [];
  for (const p of problems) {
    const field = fieldOf(p);
    if (field === undefined) {
      rest.push(p.path ? `${p.path}: ${problemText(p)}` : problemText(p));
      continue;
    }
    const message = text(p, field);
    errors[field] = errors[field] ? `${errors[field]} ${message}` : message;
  }
  return { errors, rest };
}
