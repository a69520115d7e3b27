// Small adapters between monitoring and the API: live samples as an async stream, and log source names checked.
import { AppError } from "../errors";
import { latest } from "../events/latest";
import { LOG_SOURCES, type LogSource } from "../logs/read";
import type { Monitoring } from "./monitoring";
import type { Sample } from "./sampler";

/** Yields each new sample until `signal` aborts; a slow reader only ever gets the newest. */
export function liveSamples(mon: Monitoring, signal: AbortSignal | undefined): AsyncGenerator<Sample> {
  return latest<Sample>((push) => {
    mon.sampler.on("sample", push);
    return () => mon.sampler.off("sample", push);
  }, signal);
}

/** Checks a `maculaos logs SOURCE` name; NOT_FOUND names the sources there are. */
export function logSource(name: string): LogSource {
  const found = LOG_SOURCES.find((s) => s === name);
  if (!found) throw new AppError("NOT_FOUND", `no log source ${JSON.stringify(name)}: expected ${LOG_SOURCES.join(", ")} (a service's logs come with the services capability)`);
  return found;
}
