// A node whose config.yaml is invalid still starts, on defaults, and says so plainly: in info, on the CLI and in the log.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { completeSetup, runBin, startTestAppliance, WebClient, type TestAppliance } from "../helpers/appliance";

let t: TestAppliance;

beforeAll(async () => {
  t = await startTestAppliance({
    seed: async (root) => {
      await mkdir(join(root, "var/lib/maculaos"), { recursive: true });
      await writeFile(join(root, "var/lib/maculaos/config.yaml"), "maculaos:\n  hostname: edge-9\n  mesh:\n    role: relay\n");
    },
  });
});
afterAll(async () => {
  expect(t.errorLogs()).toEqual([]);
  await t.close();
});

it("starts on defaults and reports the problem with its path", async () => {
  expect(t.logs.some((l) => l.includes('"level":"warn"') && l.includes("maculaos.mesh.role"))).toBe(true);
  const { stdout: out } = await runBin("maculaos", ["info", "--json"], { MACULAOS_ROOT: t.root });
  const info = JSON.parse(out) as { hostname: string; configProblem: string | null };
  expect(info.hostname).toBe("maculaos");
  expect(info.configProblem).toMatch(/maculaos\.mesh\.role: expected peer \| gateway \| bootstrap/);
  const web = new WebClient(t.url);
  await completeSetup(t, web);
  const after = await web.query<{ configProblem: string | null; hostname: string }>("system.info");
  expect(after.body.result!.data).toMatchObject({ configProblem: null, hostname: "edge-node-01" });
});
