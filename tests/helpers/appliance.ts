// Test harness: a real appliance on port 0 in a temporary device root, and a browser-like HTTP client for its API.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request, type Agent } from "node:http";
import { startAppliance, type Appliance } from "~/server/app";
import { wizardAnswers } from "~/scripts/lib/appliance-process.mjs";
import { createLogger } from "~/system/logging/logger";

export { wizardAnswers };

/** The repository root (the app directory of the appliance under test). */
export const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** A running test appliance with its captured logs. */
export interface TestAppliance {
  app: Appliance;
  root: string;
  url: string;
  logs: string[];
  consoleLines: string[];
  /** Log lines at level error that the test did not expect. */
  errorLogs(): string[];
  close(): Promise<void>;
}

/** Starts an API-only appliance in `root` or a fresh temporary root (prepared by `seed`) on 127.0.0.1, port 0. */
export async function startTestAppliance(opts: { env?: Record<string, string>; seed?: (root: string) => Promise<void>; root?: string } = {}): Promise<TestAppliance> {
  const root = opts.root ?? (await mkdtemp(join(tmpdir(), "maculaos-test-")));
  await opts.seed?.(root);
  const logs: string[] = [];
  const consoleLines: string[] = [];
  const log = createLogger("test", "info", (l) => void logs.push(l));
  const app = await startAppliance({ root, port: 0, host: "127.0.0.1", appDir: REPO, version: "0.1.0-test", ui: false, env: opts.env ?? {}, log, console: (l) => void consoleLines.push(l), metricsPort: 0 });
  return {
    app,
    root,
    url: app.url,
    logs,
    consoleLines,
    errorLogs: () => logs.filter((l) => (JSON.parse(l) as { level: string }).level === "error"),
    close: async () => {
      await app.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A tRPC reply: the HTTP status and the parsed body. */
export interface Reply<T = unknown> {
  status: number;
  body: { result?: { data: T }; error?: { message: string; data: { code: string; problems: { path: string; message: string }[] | null } } };
  headers: Record<string, string | string[] | undefined>;
  /** The raw body, for replies that are not JSON (server-sent events). */
  text: string;
}

/** A browser-like client: keeps the session cookie, sends the CSRF header and a same-origin Origin unless told not to. */
export class WebClient {
  cookie: string | null = null;
  bearer: string | null = null;
  constructor(
    readonly base: string,
    private readonly opts: { localAddress?: string; agent?: Agent } = {},
  ) {}

  private send<T>(method: "GET" | "POST", path: string, input: unknown, headers: Record<string, string | null>): Promise<Reply<T>> {
    const url = new URL(`/api/trpc/${path}`, this.base);
    if (method === "GET" && input !== undefined) url.searchParams.set("input", JSON.stringify(input));
    const h: Record<string, string> = { origin: new URL(this.base).origin, "x-maculaos-csrf": "1", "content-type": "application/json" };
    if (this.cookie) h.cookie = this.cookie;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    for (const [k, v] of Object.entries(headers)) {
      if (v === null) delete h[k];
      else h[k] = v;
    }
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers: h, localAddress: this.opts.localAddress, agent: this.opts.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const setCookie = (res.headers["set-cookie"] ?? []).find((c) => c.startsWith("maculaos_session="));
          if (setCookie) {
            const value = setCookie.split(";", 1)[0]!;
            this.cookie = value.endsWith("=") ? null : value;
          }
          const text = Buffer.concat(chunks).toString();
          let body: Reply<T>["body"] = {};
          try {
            body = JSON.parse(text) as Reply<T>["body"];
          } catch {
            // server-sent events: the caller reads `text`
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers, text });
        });
      });
      req.on("error", reject);
      req.end(method === "POST" ? JSON.stringify(input ?? null) : undefined);
    });
  }

  /** Calls a query. */
  query<T = unknown>(path: string, input?: unknown, headers: Record<string, string | null> = {}): Promise<Reply<T>> {
    return this.send<T>("GET", path, input, headers);
  }

  /** Calls a mutation. */
  mutate<T = unknown>(path: string, input?: unknown, headers: Record<string, string | null> = {}): Promise<Reply<T>> {
    return this.send<T>("POST", path, input, headers);
  }
}

/** Completes setup through the API as a browser would; the client is then signed in as admin. */
export async function completeSetup(t: TestAppliance, client: WebClient): Promise<void> {
  const code = /setup code (\S+)/.exec(t.consoleLines.join("\n"))?.[1];
  if (!code) throw new Error("the appliance printed no setup code");
  const r = await client.mutate("setup.complete", wizardAnswers(code));
  if (r.status !== 200) throw new Error(`setup failed: ${JSON.stringify(r.body)}`);
}

/** What a command printed and its exit code. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs bin/NAME (maculaos, maculaos-release) with `args` and extra environment; never throws on a non-zero exit.
 * Asynchronous on purpose: an appliance under test serves the CLI from the test's own process. */
export function runBin(name: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(join(REPO, "bin", name), args, { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
