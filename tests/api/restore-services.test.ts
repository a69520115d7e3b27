// A restore stops the running services before it swaps their data, and starts them again on the restored data.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runBin, startTestAppliance, type TestAppliance } from "../helpers/appliance";
import { buildScriptRelease, stopSupervisors } from "../helpers/services";

let t: TestAppliance;
let work: string;
const maculaos = (...args: string[]) => runBin("maculaos", args, { MACULAOS_ROOT: t.root });
const service = async () => JSON.parse((await maculaos("service", "status", "counter", "--json")).stdout) as { state: string; pid: number };

beforeAll(async () => {
  t = await startTestAppliance();
  work = await mkdtemp(join(tmpdir(), "restore-svc-"));
});

afterAll(async () => {
  await stopSupervisors(t.root);
  expect(t.errorLogs()).toEqual([]);
  await t.close();
  await rm(work, { recursive: true, force: true });
});

it("stops the services for the swap and starts them again on the restored data", async () => {
  const tarball = await buildScriptRelease(work, "counter", "1.0.0", `cat /data/state 2>/dev/null || echo none\nexec sleep 600`);
  const deployed = await maculaos("deploy", tarball);
  expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
  const data = join(t.app.sys.paths.dataDir, "counter");
  await writeFile(join(data, "state"), "before the backup\n");
  const before = await service();
  expect(before.state).toBe("running");
  const file = join(work, "b.tar.gz");
  expect((await maculaos("backup", file)).code).toBe(0);
  await writeFile(join(data, "state"), "changed after the backup\n");
  const restored = await maculaos("restore", file);
  expect(restored.code, restored.stdout + restored.stderr).toBe(0);
  const after = await service();
  expect(after.state).toBe("running");
  expect(after.pid).not.toBe(before.pid);
  expect(() => process.kill(before.pid, 0)).toThrow(); // the old process is gone, not left writing the old data
  expect(await readFile(join(data, "state"), "utf8")).toBe("before the backup\n");
}, 120_000);
