// Uploads a release tarball to the appliance (POST /api/upload/service) over the socket or --host, streaming it.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Agent, fetch } from "undici";
import { UsageError } from "./command";
import type { Target } from "./client";

/** Streams `file` to the appliance; returns the upload id to deploy. */
export async function uploadFile(target: Target, file: string): Promise<string> {
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) throw new UsageError(`${file}: no such file`);
  const dispatcher = target.host ? undefined : new Agent({ connect: { socketPath: target.socket } });
  const url = target.host ? `${target.host.replace(/\/+$/, "")}/api/upload/service` : "http://localhost/api/upload/service";
  const res = await fetch(url, {
    method: "POST",
    body: createReadStream(file),
    duplex: "half",
    headers: { "content-type": "application/octet-stream", "content-length": String(st.size), ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) },
    ...(dispatcher ? { dispatcher } : {}),
  } as never).catch((e: Error) => {
    throw new Error(`cannot reach the appliance at ${target.host ?? target.socket}: ${e.cause instanceof Error ? e.cause.message : e.message}`);
  });
  const body = (await res.json().catch(() => ({}))) as { upload?: string; error?: string };
  if (!res.ok || !body.upload) throw new Error(`upload refused: ${body.error ?? res.status}`);
  return body.upload;
}
