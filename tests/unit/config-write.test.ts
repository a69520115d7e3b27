import { describe, it, expect, afterAll } from "vitest";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { getConfigValue, loadConfig, parseCliValue, saveConfigText, setConfigValues } from "../../system/config";
import { AppError, isAppError } from "../../system/errors";
import { CONFIG, GUIDE_MESH, GUIDE_NETWORK, dropIn, removeTempRoots, sshPublicKey, tempRoot } from "./helpers/config-fixtures";

afterAll(removeTempRoots);

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e: unknown = await p.then(() => undefined, (err: unknown) => err);
  if (!isAppError(e)) throw new Error(`expected an AppError, got ${String(e)}`);
  return e;
}

const commented = `# MaculaOS node configuration
# managed by hand -- keep these notes

maculaos:
  hostname: edge-node-01   # the name on the LAN

${GUIDE_NETWORK}
${GUIDE_MESH}`;

describe("setConfigValues", () => {
  it("changes scalars in place: every other byte, and the column of trailing comments, kept", async () => {
    const root = await tempRoot({ [CONFIG]: commented });
    const { config } = await setConfigValues({ root, env: {} }, [
      { key: "mesh.role", value: "gateway" },
      { key: "maculaos.hostname", value: "edge-node-02" },
      { key: "network.interfaces.0.name", value: "eth1" },
    ]);
    expect(config).toMatchObject({ hostname: "edge-node-02", mesh: { role: "gateway" }, network: { interfaces: [{ name: "eth1", dhcp: true }] } });
    expect(await readFile(join(root, CONFIG), "utf8")).toBe(
      commented.replace("role: peer   ", "role: gateway").replace("edge-node-01", "edge-node-02").replace("- name: eth0\n        dhcp", "- name: eth1\n        dhcp"),
    );
    expect(await readdir(dirname(join(root, CONFIG)))).toEqual(["config.yaml"]);
  });

  it("keeps quoting style in place, and quotes a string that would otherwise read as another type", async () => {
    const text = `maculaos:\n  hostname: 'node-a'\n  mesh:\n    stun_port: "3478"   # quoted\n    bootstrap_nodes: [a.example.com:4433, b.example.com:4433]\n  updates:\n    channel: stable\n`;
    const root = await tempRoot({ [CONFIG]: text });
    await setConfigValues({ root, env: {} }, [
      { key: "hostname", value: "node-b" },
      { key: "mesh.stun_port", value: 3480 },
      { key: "mesh.bootstrap_nodes.1", value: "c.example.com:4433" },
    ]);
    const inPlace = `maculaos:\n  hostname: 'node-b'\n  mesh:\n    stun_port: 3480     # quoted\n    bootstrap_nodes: [a.example.com:4433, c.example.com:4433]\n  updates:\n    channel: stable\n`;
    expect(await readFile(join(root, CONFIG), "utf8")).toBe(inPlace);
    const { config } = await setConfigValues({ root, env: {} }, [{ key: "updates.channel", value: "123" }]);
    expect(config.updates.channel).toBe("123");
    expect(await readFile(join(root, CONFIG), "utf8")).toBe(inPlace.replace("channel: stable", 'channel: "123"'));
  });

  it("adds new sections and keeps unindented lists unindented", async () => {
    const text = "# top comment\nmaculaos:\n  ntp:\n    servers:\n    - time.example.com # ours\n";
    const root = await tempRoot({ [CONFIG]: text });
    const key = sshPublicKey();
    await setConfigValues({ root, env: {} }, [
      { key: "ssh.authorized_keys", value: [key] },
      { key: "updates.schedule", value: parseCliValue('"03:30"') },
      { key: "firewall.allow", value: parseCliValue("[8080/tcp, 53/udp]") },
    ]);
    expect(await readFile(join(root, CONFIG), "utf8")).toBe(
      `${text}  ssh:\n    authorized_keys:\n    - ${key}\n  updates:\n    schedule: 03:30\n  firewall:\n    allow:\n    - 8080/tcp\n    - 53/udp\n`,
    );
    expect((await loadConfig({ root, env: {} })).config).toMatchObject({ ntp: { servers: ["time.example.com"] }, ssh: { authorized_keys: [key] }, updates: { schedule: "03:30" } });
  });

  it("creates the file (and its directory) when there is none, and fills an empty maculaos block", async () => {
    const root = await tempRoot();
    await setConfigValues({ root, env: {} }, [{ key: "mesh.stun_port", value: 3480 }]);
    expect(await readFile(join(root, CONFIG), "utf8")).toBe("maculaos:\n  mesh:\n    stun_port: 3480\n");
    const empty = await tempRoot({ [CONFIG]: "maculaos: # nothing yet\n" });
    await setConfigValues({ root: empty, env: {} }, [{ key: "hostname", value: "n1" }]);
    expect((await loadConfig({ root: empty, env: {} })).config.hostname).toBe("n1");
  });

  it("removes a key when the value is undefined", async () => {
    const root = await tempRoot({ [CONFIG]: "maculaos:\n  updates:\n    notify: admin@example.com # who\n    automatic: true\n" });
    await setConfigValues({ root, env: {} }, [{ key: "updates.notify", value: undefined }]);
    expect(await readFile(join(root, CONFIG), "utf8")).toBe("maculaos:\n  updates:\n    automatic: true\n");
  });

  it("rejects an invalid result and leaves the file byte-identical", async () => {
    const root = await tempRoot({ [CONFIG]: commented });
    const before = await readFile(join(root, CONFIG));
    const err = await rejection(setConfigValues({ root, env: {} }, [{ key: "hostname", value: "fine" }, { key: "mesh.role", value: "bootstrap" }]));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.message).toContain("maculaos.mesh.advertise_address: required when role is bootstrap");
    const meshStart = commented.split("\n").indexOf("    realm: io.mycompany") + 1; // the mesh map's first line
    expect(err.message).toContain(`${join(root, CONFIG)}:${meshStart}:`);
    const bad = await rejection(setConfigValues({ root, env: {} }, [{ key: "monitoring.prometheus.port", value: parseCliValue("99999") }]));
    expect(bad.message).toContain("maculaos.monitoring.prometheus.port: expected a port number 1-65535");
    expect(await readFile(join(root, CONFIG))).toEqual(before);
    expect(await readdir(dirname(join(root, CONFIG)))).toEqual(["config.yaml"]);
  });

  it("validates the result merged with the drop-ins", async () => {
    const root = await tempRoot({ [CONFIG]: commented, [dropIn("10-advertise.yaml")]: "maculaos:\n  mesh:\n    advertise_address: 203.0.113.10:4433\n" });
    const { config, sources } = await setConfigValues({ root, env: {} }, [{ key: "mesh.role", value: "bootstrap" }]);
    expect(config.mesh).toMatchObject({ role: "bootstrap", advertise_address: "203.0.113.10:4433" });
    expect(sources).toEqual([join(root, CONFIG), join(root, dropIn("10-advertise.yaml"))]);
  });

  it("rejects unknown and malformed keys with INVALID_INPUT naming the key, before touching the file", async () => {
    const root = await tempRoot({ [CONFIG]: commented });
    for (const key of ["mesh.rolee", "mesh..role", "", "hostname.0", "alerts.x", "maculaos.nope"]) {
      const err = await rejection(setConfigValues({ root, env: {} }, [{ key, value: 1 }]));
      expect(err.code).toBe("INVALID_INPUT");
      expect(err.message).toBe(`unknown config key "${key}"`);
    }
    expect(await readFile(join(root, CONFIG), "utf8")).toBe(commented);
  });

  it("refuses to edit a file with a YAML syntax error", async () => {
    const root = await tempRoot({ [CONFIG]: "maculaos:\n  hostname: [a\n" });
    const err = await rejection(setConfigValues({ root, env: {} }, [{ key: "hostname", value: "b" }]));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.message).toMatch(new RegExp(`^${join(root, CONFIG)}:\\d+:\\d+: YAML syntax error`));
  });
});

describe("saveConfigText", () => {
  it("writes valid text exactly as given", async () => {
    const root = await tempRoot();
    const text = "# hand written\nmaculaos:\n  hostname: saved-node   # note\n";
    const { config } = await saveConfigText({ root, env: {} }, text);
    expect(config.hostname).toBe("saved-node");
    expect(await readFile(join(root, CONFIG), "utf8")).toBe(text);
  });

  it("rejects invalid text and leaves the file untouched", async () => {
    const root = await tempRoot({ [CONFIG]: commented });
    const err = await rejection(saveConfigText({ root, env: {} }, "maculaos:\n  mesh:\n    role: leader\n  typo: 1\n"));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.details?.problems).toEqual([
      expect.objectContaining({ path: "maculaos.mesh.role", message: "expected peer | gateway | bootstrap", line: 3 }),
      expect.objectContaining({ path: "maculaos.typo", line: 4 }),
    ]);
    expect(await readFile(join(root, CONFIG), "utf8")).toBe(commented);
  });

  it("fails with IO_FAILED when the data directory is a file", async () => {
    const root = await tempRoot({ "var/lib/maculaos": "a file, not a directory" });
    expect((await rejection(saveConfigText({ root, env: {} }, "maculaos: {}\n"))).code).toBe("IO_FAILED");
    expect(await readFile(join(root, "var/lib/maculaos"), "utf8")).toBe("a file, not a directory");
  });
});

describe("getConfigValue", () => {
  it("reads dotted keys, with or without the maculaos prefix", async () => {
    const root = await tempRoot({ [CONFIG]: commented });
    const { config } = await loadConfig({ root, env: {} });
    expect(getConfigValue(config, "mesh.role")).toBe("peer");
    expect(getConfigValue(config, "maculaos.mesh.role")).toBe("peer");
    expect(getConfigValue(config, "network.interfaces.0.name")).toBe("eth0");
    expect(getConfigValue(config, "network.interfaces.0")).toEqual({ name: "eth0", dhcp: true });
    expect(getConfigValue(config, "monitoring.prometheus.port")).toBe(9100);
    expect(getConfigValue(config, "updates.notify")).toBeUndefined();
    expect(getConfigValue(config, "network.interfaces.3.name")).toBeUndefined();
    expect(getConfigValue(config, "maculaos")).toBe(config);
  });

  it("throws INVALID_INPUT naming an unknown key", async () => {
    const { config } = await loadConfig({ root: await tempRoot(), env: {} });
    for (const key of ["mesh.rolee", "mesh.role.x", "network.interfaces.name"]) {
      const err = (() => {
        try {
          getConfigValue(config, key);
        } catch (e) {
          return e;
        }
      })();
      expect(isAppError(err, "INVALID_INPUT")).toBe(true);
      expect((err as Error).message).toBe(`unknown config key "${key}"`);
    }
  });
});

describe("parseCliValue", () => {
  it("parses YAML scalars and flow collections", () => {
    expect(parseCliValue("true")).toBe(true);
    expect(parseCliValue("4433")).toBe(4433);
    expect(parseCliValue("[a, b]")).toEqual(["a", "b"]);
    expect(parseCliValue("{count: 3}")).toEqual({ count: 3 });
    expect(parseCliValue("04:00")).toBe("04:00");
    expect(parseCliValue("admin@example.com")).toBe("admin@example.com");
    expect(parseCliValue("bootstrap.macula.io:4433")).toBe("bootstrap.macula.io:4433");
    expect(parseCliValue('"4433"')).toBe("4433");
  });

  it("throws INVALID_INPUT for text that is not YAML", () => {
    expect(() => parseCliValue("[a, b")).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
  });
});
