// Small adapters between monitoring and the API: live samples as an async stream, and log source names checked.
import { AppError } from "../errors";
import { LOG_SOURCES, type LogSource } from "../logs/read";
import type { Monitoring } from "./monitoring";
import type { Sample } from "./sampler";

/** Yields each new sample until `signal` aborts; a slow reader only ever gets the newest. */
export async function* liveSamples(mon: Monitoring, signal: AbortSignal | undefined): AsyncGenerator<Sample> {
  let pending: Sample | undefined;
  let wake: (() => void) | undefined;
  const onSample = (s: Sample) => {
    pending = s;
    wake?.();
  };
  const onAbort = () => wake?.();
  mon.sampler.on("sample", onSample);
  signal?.addEventListener("abort", onAbort);
  try {
    while (!signal?.aborted) {
      if (pending) {
        const s = pending;
        pending = undefined;
        yield s;
      } else await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  } finally {
    mon.sampler.off("sample", onSample);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Checks a `maculaos logs SOURCE` name; NOT_FOUND names the sources there are. */
export function logSource(name: string): LogSource {
  const found = LOG_SOURCES.find((s) => s === name);
  if (!found) throw new AppError("NOT_FOUND", `no log source ${JSON.stringify(name)}: expected ${LOG_SOURCES.join(", ")} (a service's logs come with the services capability)`);
  return found;
}
