import { describe, it, expect, afterAll } from "vitest";
import * as fsp from "node:fs/promises";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isAppError } from "../../system/errors";
import { type AtomicWriteFs, writeFileAtomic } from "../../system/host/atomic-write";
import { removeTempRoots, tempRoot } from "./helpers/config-fixtures";

afterAll(removeTempRoots);

/** The real file system, except that the named step fails. */
function failing(step: "fsync" | "rename"): AtomicWriteFs {
  return {
    ...fsp,
    rename: step === "rename" ? async () => Promise.reject(new Error("injected rename failure")) : fsp.rename,
    open: (async (...args: Parameters<typeof fsp.open>) => {
      const fh = await fsp.open(...args);
      if (step === "fsync") fh.sync = () => Promise.reject(new Error("injected fsync failure"));
      return fh;
    }) as typeof fsp.open,
  };
}

describe("writeFileAtomic", () => {
  it("fsyncs the file after the rename, then the directory (FAT writes a renamed file's entry only then)", async () => {
    const dir = await tempRoot();
    const file = join(dir, "grubenv");
    await writeFile(file, "old");
    const steps: string[] = [];
    const recording: AtomicWriteFs = {
      ...fsp,
      rename: async (from, to) => {
        steps.push(`rename -> ${String(to) === file ? "target" : String(to)}`);
        return fsp.rename(from, to);
      },
      open: (async (...args: Parameters<typeof fsp.open>) => {
        const fh = await fsp.open(...args);
        const name = String(args[0]) === file ? "target" : String(args[0]) === dir ? "dir" : "temp";
        const sync = fh.sync.bind(fh);
        fh.sync = () => (steps.push(`fsync ${name}`), sync());
        return fh;
      }) as typeof fsp.open,
    };
    await writeFileAtomic(file, "new", undefined, recording);
    expect(steps).toEqual(["fsync temp", "rename -> target", "fsync target", "fsync dir"]);
    expect(await readFile(file, "utf8")).toBe("new");
  });

  it("creates and replaces a file, leaving no temp files", async () => {
    const dir = await tempRoot();
    const file = join(dir, "state.yaml");
    await writeFileAtomic(file, "one\n");
    await writeFileAtomic(file, Buffer.from("two\n"));
    expect(await readFile(file, "utf8")).toBe("two\n");
    expect(await readdir(dir)).toEqual(["state.yaml"]);
  });

  it("applies an explicit mode and keeps the existing mode otherwise", async () => {
    const dir = await tempRoot();
    const file = join(dir, "secret");
    await writeFileAtomic(file, "a", 0o600);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await writeFileAtomic(file, "b");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it.each(["fsync", "rename"] as const)("leaves the original untouched and no temp file when %s fails", async (step) => {
    const dir = await tempRoot();
    const file = join(dir, "config.yaml");
    await writeFile(file, "original\n");
    const err = await writeFileAtomic(file, "new\n", undefined, failing(step)).catch((e: unknown) => e);
    expect(isAppError(err, "IO_FAILED")).toBe(true);
    expect((err as Error).message).toContain(`injected ${step} failure`);
    expect(await readFile(file, "utf8")).toBe("original\n");
    expect(await readdir(dir)).toEqual(["config.yaml"]);
  });

  it("fails with IO_FAILED when the parent is a file", async () => {
    const dir = await tempRoot({ "not-a-dir": "x" });
    const err = await writeFileAtomic(join(dir, "not-a-dir", "file"), "data").catch((e: unknown) => e);
    expect(isAppError(err, "IO_FAILED")).toBe(true);
    expect(await readdir(dir)).toEqual(["not-a-dir"]);
    expect(await readFile(join(dir, "not-a-dir"), "utf8")).toBe("x");
  });
});
