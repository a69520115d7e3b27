// Types of appliance-process.mjs for the TypeScript tests.
import type { ChildProcess } from "node:child_process";

/** A running appliance process. */
export interface ApplianceProcess {
  child: ChildProcess;
  root: string;
  url: string;
  code: string;
  logs: string[];
  errorLogs(): string[];
  stop(): Promise<void>;
}
/** The repository root. */
export const REPO: string;
/** The V8 flags the appliance runs with. */
export const NODE_FLAGS: string[];
/** Resident set size of a process in MB. */
export function rssMb(pid: number): number;
/** Starts the built appliance in a fresh temporary root. */
export function startAppliance(opts?: { nodeArgs?: string[]; env?: Record<string, string>; args?: string[] }): Promise<ApplianceProcess>;
/** A valid set of setup wizard answers. */
export function wizardAnswers(code: string, overrides?: Record<string, unknown>): Record<string, unknown> & { code: string };
/** Completes setup through the API; returns the admin's session cookie. */
export function completeSetupApi(url: string, code: string, answers?: Record<string, unknown>): Promise<string>;
/** Chromium launch options for tests. */
export const CHROMIUM: { executablePath: string; args: string[] };
