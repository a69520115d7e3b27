// Helpers for driving the development device's update loop from outside (the end-to-end test and the README
// screenshots): the API as the signed-in admin, and the device's own signed release served slowly over loopback HTTP
// so a download takes long enough to watch its progress bar.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";

/** Calls the API at `url` with the session `cookie` like the browser: a query (GET) when `input` is undefined,
 * otherwise a mutation (POST with Origin and the CSRF header); resolves with the result's data. */
export function adminApi(url, cookie) {
  return async (path, input) => {
    const init =
      input === undefined
        ? { headers: { cookie } }
        : { method: "POST", headers: { "content-type": "application/json", origin: url, "x-maculaos-csrf": "1", cookie }, body: JSON.stringify(input) };
    const res = await fetch(`${url}/api/trpc/${path}`, init);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()).result.data;
  };
}

/** Serves the development release's channel directory of the device at `root` over loopback HTTP, 256 KiB every
 * `tickMs` (200 ms: 1.25 MiB/s); resolves with the server and its URL (for `updates.server`). */
export function slowReleaseServer(root, tickMs = 200) {
  const dir = join(root, "srv/maculaos-release/channel");
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname.slice(1));
    if (!/^[\w.-]+$/.test(name)) return void res.writeHead(404).end();
    const file = join(dir, name);
    stat(file).then(
      (s) => {
        res.writeHead(200, { "content-length": s.size });
        const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
        stream.on("data", (chunk) => {
          stream.pause();
          res.write(chunk, () => setTimeout(() => stream.resume(), tickMs));
        });
        stream.on("end", () => res.end());
      },
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` })));
}
