// Types of update-loop.mjs for the TypeScript tests.
import type { Server } from "node:http";

/** Calls the API as the holder of a session cookie: a query when `input` is undefined, else a mutation. */
export function adminApi(url: string, cookie: string): (path: string, input?: unknown) => Promise<unknown>;
/** Serves the device's development release slowly over loopback HTTP: 256 KiB every `tickMs`. */
export function slowReleaseServer(root: string, tickMs?: number): Promise<{ server: Server; url: string }>;
