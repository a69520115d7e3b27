// `maculaos jobs [list]` and `maculaos jobs follow ID`: long operations and their live progress.
import { UsageError, type Command, type CommandContext } from "../command";
import { json } from "../format";

const WIDTH = 30;

/** Renders a job as a one-line progress bar: `[=========>          ] 45% downloading`. */
export function progressLine(j: { kind: string; target: string; state: string; progress: number; message: string | null; error: string | null }): string {
  const pct = Math.round(j.progress * 100);
  const done = Math.round(j.progress * WIDTH);
  const bar = `${"=".repeat(Math.max(0, done - 1))}${done > 0 ? (done === WIDTH ? "=" : ">") : ""}${" ".repeat(WIDTH - done)}`;
  const note = j.state === "failed" ? `failed: ${j.error ?? "unknown error"}` : (j.message ?? j.state);
  return `${j.kind} ${j.target} [${bar}] ${String(pct).padStart(3)}% ${note}`;
}

/** Follows a job until it ends, drawing a progress bar (or JSON lines with --json); exit 0 when it succeeded. */
export async function followJob({ api, json: asJson, out }: Pick<CommandContext, "api" | "json" | "out">, id: string, tty = Boolean(process.stderr.isTTY)): Promise<number> {
  return new Promise((resolve, reject) => {
    let last = "";
    const sub = api.jobs.follow.subscribe(
      { id },
      {
        onData(j) {
          if (asJson) out(JSON.stringify(j));
          else {
            const line = progressLine(j);
            if (tty) process.stderr.write(`\r${line}\x1b[K`);
            else if (line !== last) out(line);
            last = line;
          }
          if (j.state !== "running") {
            if (tty && !asJson) process.stderr.write("\n");
            resolve(j.state === "succeeded" ? 0 : 1);
            sub.unsubscribe();
          }
        },
        onError: reject,
        onComplete: () => reject(new Error(`the appliance ended the progress stream of job ${id} before it finished`)),
      },
    );
  });
}

/** `maculaos jobs`: list recent jobs, or follow one. */
export const jobs: Command = {
  name: "jobs",
  usage: "maculaos jobs [list] | follow ID   [--json]",
  summary: "Long operations (updates, deploys, backups, restores): list them, or follow one with a progress bar",
  async run(ctx) {
    const [sub = "list", id, ...rest] = ctx.args;
    if (sub === "follow") {
      if (!id || rest.length) throw new UsageError("jobs follow takes one job ID");
      await ctx.api.jobs.get.query({ id }); // a plain call first: "not running" and "no such job" fail clearly here
      return followJob(ctx, id);
    }
    if (sub !== "list" || id) throw new UsageError(`unknown jobs subcommand ${sub}`);
    const list = (await ctx.api.jobs.list.query()).jobs;
    if (ctx.json) ctx.out(json(list));
    else if (!list.length) ctx.out("no jobs yet");
    else ctx.out(list.map((j) => `${j.id}  ${String(j.createdAt).slice(0, 19)}  ${progressLine(j)}`).join("\n"));
    return 0;
  },
};
