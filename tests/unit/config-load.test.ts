import { describe, it, expect, afterAll } from "vitest";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigStore, defaultConfig, loadConfig } from "../../system/config";
import { AppError, isAppError } from "../../system/errors";
import { CONFIG, dropIn, removeTempRoots, tempRoot, wgKey } from "./helpers/config-fixtures";

afterAll(removeTempRoots);

/** The AppError a promise rejects with. */
async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e: unknown = await p.then(() => undefined, (err: unknown) => err);
  if (!isAppError(e)) throw new Error(`expected an AppError, got ${String(e)}`);
  return e;
}

describe("loadConfig", () => {
  it("gives all defaults when there is no config file", async () => {
    const root = await tempRoot();
    expect(await loadConfig({ root, env: {} })).toEqual({ config: defaultConfig(), sources: [] });
  });

  it("merges config.d/*.yaml on top in lexical order: maps merge, arrays replace, null removes", async () => {
    const root = await tempRoot({
      [CONFIG]: "maculaos:\n  hostname: base\n  mesh:\n    role: gateway\n    bootstrap_nodes: [a.example.com:4433]\n  updates:\n    notify: admin@example.com\n",
      [dropIn("20-late.yaml")]: "maculaos:\n  mesh:\n    role: peer\n  updates:\n    automatic: true\n",
      [dropIn("10-early.yaml")]: "maculaos:\n  mesh:\n    role: bootstrap\n    advertise_address: 203.0.113.10:4433\n    bootstrap_nodes: [b.example.com:4433, c.example.com:4433]\n  updates:\n    notify: null\n",
      [dropIn("README.md")]: "not yaml: [",
      [dropIn(".hidden.yaml")]: "maculaos: [",
      [dropIn("30-empty.yaml")]: "# nothing here\n",
    });
    const { config, sources } = await loadConfig({ root, env: {} });
    expect(sources).toEqual([CONFIG, dropIn("10-early.yaml"), dropIn("20-late.yaml"), dropIn("30-empty.yaml")].map((p) => join(root, p)));
    expect(config.hostname).toBe("base");
    expect(config.mesh).toMatchObject({ role: "peer", advertise_address: "203.0.113.10:4433", bootstrap_nodes: ["b.example.com:4433", "c.example.com:4433"] });
    expect(config.updates).toMatchObject({ automatic: true, schedule: "04:00" });
    expect(config.updates.notify).toBeUndefined();
  });

  it("substitutes ${VAR}, ${VAR:-default} and keeps $${VAR} literal", async () => {
    const key = wgKey();
    const root = await tempRoot({
      [CONFIG]: 'maculaos:\n  hostname: "${NODE_NAME}"\n  mesh:\n    wireguard:\n      enabled: ${WG_ON:-true}\n      private_key: "${WIREGUARD_PRIVATE_KEY}"\n      listen_port: ${WG_PORT:-51821}\n',
      [dropIn("50-registry.yaml")]: 'maculaos:\n  registries:\n    - host: ghcr.io\n      password: "pa$${NOT_A_VAR}${SUFFIX:-!}"\n',
    });
    const { config } = await loadConfig({ root, env: { NODE_NAME: "edge-7", WIREGUARD_PRIVATE_KEY: key, WG_ON: "" } });
    expect(config.hostname).toBe("edge-7");
    expect(config.mesh.wireguard).toMatchObject({ enabled: true, private_key: key, listen_port: 51821 });
    expect(config.registries).toEqual([{ host: "ghcr.io", password: "pa${NOT_A_VAR}!" }]);
  });

  it("fails on an unset variable without a default, naming the path, file and line", async () => {
    const root = await tempRoot({ [dropIn("10-wg.yaml")]: 'maculaos:\n  mesh:\n    wireguard:\n      enabled: true\n      private_key: "${WIREGUARD_PRIVATE_KEY}"\n' });
    const err = await rejection(loadConfig({ root, env: { OTHER: "x" } }));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.message).toBe(`maculaos.mesh.wireguard.private_key: environment variable WIREGUARD_PRIVATE_KEY is not set (write \${WIREGUARD_PRIVATE_KEY:-default} to give a default) (${join(root, dropIn("10-wg.yaml"))}:5:20)`);
    expect(err.details).toEqual({ problems: [expect.objectContaining({ path: "maculaos.mesh.wireguard.private_key", line: 5 })] });
  });

  it("locates a problem in the drop-in that wrote it and lists all problems", async () => {
    const root = await tempRoot({
      [CONFIG]: "maculaos:\n  mesh:\n    role: peer\n",
      [dropIn("10-bad.yaml")]: "maculaos:\n  mesh:\n    role: leader\n  ntp:\n    servers: [not_a_host!]\n",
    });
    const err = await rejection(loadConfig({ root, env: {} }));
    expect(err.code).toBe("INVALID_CONFIG");
    const lines = err.message.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`maculaos.mesh.role: expected peer | gateway | bootstrap (${join(root, dropIn("10-bad.yaml"))}:3:11)`);
    expect(lines[1]).toMatch(/^maculaos\.ntp\.servers\.0: expected a host name or IP address/);
  });

  it("names the file, line and column of a YAML syntax error", async () => {
    const root = await tempRoot({ [CONFIG]: "maculaos:\n  hostname: a\n hostname: b\n" });
    const err = await rejection(loadConfig({ root, env: {} }));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.message).toMatch(new RegExp(`^${join(root, CONFIG)}:3:\\d+: YAML syntax error: `));
  });

  it("fails with IO_FAILED when the config file cannot be read", async () => {
    const root = await tempRoot({ [`${CONFIG}/oops`]: "a directory where the file should be" });
    expect((await rejection(loadConfig({ root, env: {} }))).code).toBe("IO_FAILED");
  });
});

describe("ConfigStore", () => {
  it("keeps the old config in force when a reload fails, and takes the new one when it succeeds", async () => {
    const root = await tempRoot({ [CONFIG]: "maculaos:\n  hostname: first\n" });
    const store = await ConfigStore.open({ root, env: {} });
    expect(store.current().hostname).toBe("first");
    expect(store.sources()).toEqual([join(root, CONFIG)]);

    await writeFile(join(root, CONFIG), "maculaos:\n  hostname: second\n  mesh:\n    role: leader\n");
    const err = await rejection(store.reload());
    expect(err.message).toContain("maculaos.mesh.role: expected peer | gateway | bootstrap");
    expect(store.current().hostname).toBe("first");

    await writeFile(join(root, CONFIG), "maculaos:\n  hostname: third\n");
    expect((await store.reload()).hostname).toBe("third");
    expect(store.current().hostname).toBe("third");

    await rm(join(root, CONFIG));
    expect(await store.reload()).toEqual(defaultConfig());
  });

  it("starts from defaults without reading the disk, and runs changes one at a time", async () => {
    const root = await tempRoot({ [CONFIG]: "# my node\nmaculaos:\n  hostname: start\n" });
    const store = new ConfigStore({ root, env: {} });
    expect(store.current()).toEqual(defaultConfig());
    await Promise.all([store.set([{ key: "hostname", value: "edge-1" }]), store.set([{ key: "mesh.role", value: "gateway" }]), store.set([{ key: "updates.automatic", value: true }])]);
    expect(store.current()).toMatchObject({ hostname: "edge-1", mesh: { role: "gateway" }, updates: { automatic: true } });
    expect((await loadConfig({ root, env: {} })).config).toEqual(store.current());
  });

  it("keeps the old config in force when a save is invalid", async () => {
    const root = await tempRoot({ [CONFIG]: "maculaos:\n  hostname: kept\n" });
    const store = await ConfigStore.open({ root, env: {} });
    await expect(store.save("maculaos:\n  hostname: bad_name\n")).rejects.toThrow("maculaos.hostname: expected an RFC 1123 hostname");
    expect(store.current().hostname).toBe("kept");
    expect(await store.save("maculaos:\n  hostname: saved\n")).toMatchObject({ hostname: "saved" });
  });
});
