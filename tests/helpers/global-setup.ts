// Before any test: bundle the server and the CLI (about a second). The end-to-end tests build the pages themselves.
import { execFileSync } from "node:child_process";

/** Runs the bundle step once for the whole suite. */
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs", "--no-pages"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
}
