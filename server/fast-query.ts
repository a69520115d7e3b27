// The API's HTTP front: which method may call what, and a fast path for the commonest request, one unbatched query
// over GET (the dashboard's polls, `maculaos info`). tRPC's HTTP adapter turns each Node request into a Fetch Request
// and back, about 1 ms of CPU a call; the fast path runs the same procedure with tRPC's own callProcedure, with the same
// context, and writes the same JSON envelope and status. Anything else (batches, POSTs, subscriptions) goes to tRPC.
import type { IncomingMessage, ServerResponse } from "node:http";
import { TRPCError } from "@trpc/server";
import { callProcedure, getErrorShape, getHTTPStatusCodeFromError, getTRPCErrorFromUnknown } from "@trpc/server/unstable-core-do-not-import";
import { appRouter } from "./root";
import type { Context } from "./trpc";

type Procedures = Record<string, { _def: { type: string } }>;
const procedures = appRouter._def.procedures as unknown as Procedures;

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(json), Vary: "trpc-accept" }).end(json);
}

function sendError(res: ServerResponse, cause: unknown, path: string, input: unknown, ctx: Context | undefined): TRPCError {
  const error = getTRPCErrorFromUnknown(cause);
  const shape = getErrorShape({ config: appRouter._def._config, error, type: "query", path, input, ctx });
  send(res, getHTTPStatusCodeFromError(error), { error: shape });
  return error;
}

/**
 * Refuses, with 405, a GET that names a mutation (alone or in a batch) and returns true. tRPC 11.22 already refuses
 * these; this keeps the rule ours (the CSRF check only guards calls of type mutation) whatever tRPC's method-override
 * handling does in another version.
 */
export function refuseMutationOverGet(req: IncomingMessage, res: ServerResponse, pathList: string): boolean {
  if (req.method !== "GET") return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathList);
  } catch {
    return false; // tRPC answers a path it cannot decode with its own error
  }
  const path = decoded.split(",").find((p) => procedures[p]?._def.type === "mutation");
  if (path === undefined) return false;
  sendError(res, new TRPCError({ code: "METHOD_NOT_SUPPORTED", message: `${path} changes state: send it as POST` }), path, undefined, undefined);
  return true;
}

/** Serves `req` when it is a single GET query and returns true; false leaves it to tRPC's adapter. */
export async function fastQuery(req: IncomingMessage, res: ServerResponse, url: URL, path: string, createContext: () => Promise<Context>, onError: (e: { error: { code: string; message: string; cause?: unknown }; path: string }) => void): Promise<boolean> {
  if (req.method !== "GET" || url.searchParams.has("batch") || procedures[path]?._def.type !== "query" || req.headers["trpc-accept"]) return false;
  const raw = url.searchParams.get("input");
  let input: unknown;
  let ctx: Context | undefined;
  try {
    try {
      input = raw === null ? undefined : JSON.parse(raw);
    } catch (cause) {
      throw new TRPCError({ code: "PARSE_ERROR", message: `the input is not JSON: ${(cause as Error).message}`, cause });
    }
    ctx = await createContext();
    const data: unknown = await callProcedure({ router: appRouter, path, getRawInput: async () => input, ctx, type: "query", signal: undefined, batchIndex: 0 });
    send(res, 200, { result: { data } });
  } catch (cause) {
    onError({ error: sendError(res, cause, path, input, ctx), path });
  }
  return true;
}
