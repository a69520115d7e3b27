// Typed domain errors for the whole system layer. The set of codes is closed: add one here or reuse one.

/** The closed set of problem codes every layer uses (mapped to tRPC codes in server/trpc.ts, to exit codes in cli/). */
export const ERROR_CODES = [
  "INVALID_INPUT", // the caller sent something malformed: bad YAML, a bad key, a bad value
  "INVALID_CONFIG", // the configuration on disk or given does not validate
  "UNAUTHENTICATED", // no session, or a wrong password
  "FORBIDDEN", // authenticated, but the role or the channel may not do this
  "NOT_FOUND", // the thing asked for does not exist
  "CONFLICT", // the state does not allow it now (setup already done, job running)
  "RATE_LIMITED", // too many attempts: wait
  "UNAVAILABLE", // a dependency is down or missing (server not running, command not installed)
  "IO_FAILED", // the disk or a command failed
  "INTEGRITY_FAILED", // a checksum, signature or format check failed
  "NO_SPACE", // not enough free space
  "INTERNAL", // a bug: anything else
] as const;

/** One of the closed set of problem codes. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error class of the system layer: a code, a human message, optional details, and the cause. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    if (options?.details) this.details = options.details;
  }
}

/** True when `e` is an AppError, optionally with the given code. */
export function isAppError(e: unknown, code?: ErrorCode): e is AppError {
  return e instanceof AppError && (code === undefined || e.code === code);
}
