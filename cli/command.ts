// What a CLI command is: a name, a usage line, its own flags, and a run function that makes one API call and prints.
import type { ParseArgsConfig } from "node:util";
import type { Api } from "./client";

/** What a command's run function gets. */
export interface CommandContext {
  api: Api;
  args: string[];
  flags: Record<string, string | boolean | undefined>;
  json: boolean;
  out: (text: string) => void;
  /** Reads a local file (for `config validate FILE`). */
  readFile: (path: string) => Promise<string>;
  /** Uploads a local file for a deploy; returns its upload id. */
  upload: (path: string) => Promise<string>;
}

/** A CLI command; run returns the exit code. */
export interface Command {
  name: string;
  usage: string;
  summary: string;
  options?: ParseArgsConfig["options"];
  run(ctx: CommandContext): Promise<number>;
}

/** Thrown for bad usage: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}
