// The node's data lock: one backup, verification, restore, repair or factory reset at a time, since each reads or
// replaces the whole data state. In process memory: every one of them runs in the appliance (the CLI calls its API).
import { AppError } from "../errors";
import type { System } from "../system";

const holders = new WeakMap<System, string>();

/** Takes the lock for `holder` (e.g. "a restore of /mnt/usb/b.tar.gz") and returns its release; CONFLICT names who
 * holds it when it is taken (`doing` says what was refused, e.g. "run repair"). */
export function takeDataLock(sys: System, holder: string, doing: string): () => void {
  const current = holders.get(sys);
  if (current) throw new AppError("CONFLICT", `cannot ${doing}: ${current} is running; wait for it to finish`, { details: { heldBy: current } });
  holders.set(sys, holder);
  return () => {
    if (holders.get(sys) === holder) holders.delete(sys);
  };
}

/** Runs `work` holding the data lock. */
export async function withDataLock<T>(sys: System, holder: string, doing: string, work: () => Promise<T>): Promise<T> {
  const release = takeDataLock(sys, holder, doing);
  try {
    return await work();
  } finally {
    release();
  }
}
