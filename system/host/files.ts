// Plain file access on the device for the rest of the system layer: read a file that may be absent, list a folder
// that may be absent, make a folder. Errors other than "absent" become IO_FAILED naming the path.
import { access, mkdir, readdir, readFile } from "node:fs/promises";
import { AppError } from "../errors";

function ioError(path: string, verb: string, cause: unknown): AppError {
  return new AppError("IO_FAILED", `cannot ${verb} ${path}: ${(cause as Error).message}`, { cause });
}

/** A file's text, or undefined when it does not exist. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw ioError(file, "read", cause);
  }
}

/** The names in a folder, or [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw ioError(dir, "read", cause);
  }
}

/** Makes a folder and its parents (mode applies to the ones it creates). */
export async function ensureDir(dir: string, mode?: number): Promise<void> {
  await mkdir(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) }).catch((cause: unknown) => {
    throw ioError(dir, "create", cause);
  });
}

/** True when the path exists. */
export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
