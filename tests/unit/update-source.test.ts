// An update server that drops the connection before answering: the download's error says what failed and where
// (not a bare "fetch failed"), so the job, the CLI and the Updates page can tell a person.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AppError } from "~/system/errors";
import { openImage } from "~/system/update/source";

let server: Server;
let url: URL;

beforeAll(async () => {
  server = createServer((req) => req.socket.destroy());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/maculaos-0.2.0.img`);
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

it("reports a connection dropped before the reply as the server being unreachable, naming the URL", async () => {
  for (const offset of [0, 1024]) {
    const e = await openImage(url, offset, 4096).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe("UNAVAILABLE");
    expect((e as AppError).message).toMatch(new RegExp(`^cannot reach the update server at ${url.href.replace(/[.]/g, "\\.")}: .+; run it again to resume$`));
  }
});
