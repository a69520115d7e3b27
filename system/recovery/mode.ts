// The recovery profile's one rule for callers: what starts services waits for a normal boot.
import { AppError } from "../errors";
import type { System } from "../system";

/** Refuses with CONFLICT in recovery mode, naming what was asked (`what`: "start web", "deploy"). */
export function requireNormalMode(sys: System, what: string): void {
  if (sys.mode === "recovery") throw new AppError("CONFLICT", `cannot ${what} in recovery mode: services do not run until a normal boot (reboot to leave recovery mode)`);
}
