import { describe, it, expect } from "vitest";
import { defaultConfig, parseCondition, sshKeyProblem, validateConfigText, type ValidationResult } from "../../system/config";
import { GUIDE_MESH, GUIDE_NETWORK, sshPublicKey, wgKey } from "./helpers/config-fixtures";

const env = { WIREGUARD_PRIVATE_KEY: wgKey() };
const validate = (text: string, e: Record<string, string | undefined> = env): ValidationResult => validateConfigText(text, { env: e, fileName: "config.yaml" });
const problemsOf = (text: string) => {
  const r = validate(text);
  if (r.ok) throw new Error("expected the config to be invalid");
  return r.problems;
};

// The guide's Configuration example plus every section snippet (mesh, wireguard, logging, security, updates, monitoring, alerts).
const userKey = sshPublicKey();
const peerKey = wgKey();
const guideExample = `maculaos:
  hostname: edge-node-01

${GUIDE_NETWORK}
${GUIDE_MESH}    wireguard:
      enabled: true
      private_key: "\${WIREGUARD_PRIVATE_KEY}"
      peers:
        - public_key: "${peerKey}"
          endpoint: "peer1.example.com:51820"

  ssh:
    authorized_keys:
      - ${userKey}

  ntp:
    servers:
      - pool.ntp.org

  logging:
    forward_to: logs.example.com:24224
    format: json

  security:
    secure_boot: true
    enrollment_key: /var/lib/maculaos/keys/MOK.der

  updates:
    automatic: true
    schedule: "04:00"      # 4 AM daily
    auto_reboot: true
    notify: admin@example.com

  monitoring:
    prometheus:
      enabled: true
      port: 9100
      path: /metrics

  alerts:
    - name: disk_full
      condition: disk_usage > 90%
      topic: io.mycompany.alerts.disk_full
`;

describe("config schema: valid files", () => {
  it("parses the guide's full example and fills in the defaults", () => {
    const r = validate(guideExample);
    if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join("\n"));
    const c = r.config;
    expect(c.hostname).toBe("edge-node-01");
    expect(c.network.interfaces).toEqual([{ name: "eth0", dhcp: true }]);
    expect(c.mesh).toMatchObject({ realm: "io.mycompany", role: "peer", bootstrap_nodes: ["bootstrap.macula.io:4433"], stun_port: 3478, turn_port: 3479 });
    expect(c.mesh.wireguard).toEqual({ enabled: true, private_key: env.WIREGUARD_PRIVATE_KEY, listen_port: 51820, peers: [{ public_key: peerKey, endpoint: "peer1.example.com:51820" }] });
    expect(c.ssh.authorized_keys).toEqual([userKey]);
    expect(c.logging).toEqual({ forward_to: "logs.example.com:24224", format: "json" });
    expect(c.updates).toEqual({ automatic: true, schedule: "04:00", auto_reboot: true, notify: "admin@example.com", channel: "stable" });
    expect(c.monitoring.prometheus).toEqual({ enabled: true, port: 9100, path: "/metrics" });
    expect(c.alerts).toEqual([{ name: "disk_full", condition: "disk_usage > 90%", topic: "io.mycompany.alerts.disk_full" }]);
    expect(c.firewall.allow).toEqual([]);
    expect(c.backup.retention).toEqual({ count: 7 });
  });

  it("gives every default for an empty file, an empty maculaos block and a missing one", () => {
    const defaults = defaultConfig();
    expect(defaults).toMatchObject({
      hostname: "maculaos",
      network: { interfaces: [{ name: "eth0", dhcp: true }] },
      mesh: { realm: "io.macula", role: "peer", bootstrap_nodes: ["bootstrap.macula.io:4433"], stun_port: 3478, turn_port: 3479, wireguard: { enabled: false, listen_port: 51820, peers: [] } },
      ntp: { servers: ["pool.ntp.org"] },
      logging: { format: "json" },
      security: { secure_boot: false, enrollment_key: "/var/lib/maculaos/keys/MOK.der" },
      updates: { automatic: false, schedule: "04:00", auto_reboot: false, channel: "stable" },
      monitoring: { prometheus: { enabled: true, port: 9100, path: "/metrics" } },
      alerts: [],
    });
    expect(defaults.updates.server).toBeUndefined();
    for (const text of ["", "# nothing yet\n", "maculaos:\n", "maculaos: {}\n", "maculaos:\n  mesh:\n  # all commented out\n"]) {
      expect(validate(text)).toEqual({ ok: true, config: defaults });
    }
  });

  it("accepts the guide's bootstrap and gateway roles, static interfaces, RSA keys and the later sections", () => {
    const r = validate(`maculaos:
  network:
    interfaces:
      - name: eth0
        address: 192.168.1.100/24
        gateway: 192.168.1.1
        dns: [1.1.1.1, 9.9.9.9]
      - name: wlan0
        dhcp: true
  mesh:
    role: bootstrap
    advertise_address: "203.0.113.10:4433"
    stun_port: "3478"
  ssh:
    authorized_keys:
      - ${sshPublicKey("rsa", "ops@example.com")}
  firewall:
    allow: [8080/tcp, 53/udp]
  registries:
    - host: registry.local:5000
      username: ci
  backup:
    schedule: "02:30"
    retention: { count: 3, max_age_days: 30 }
    target: /mnt/usb
  alerts:
    - { name: api_down, condition: service_down(api), topic: io.mycompany.alerts.api, for: 5m }
    - { name: any_down, condition: service_down, topic: io.mycompany.alerts.any }
`);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.config.network.interfaces).toEqual([
      { name: "eth0", dhcp: false, address: "192.168.1.100/24", gateway: "192.168.1.1", dns: ["1.1.1.1", "9.9.9.9"] },
      { name: "wlan0", dhcp: true },
    ]);
    expect(r.config.mesh).toMatchObject({ role: "bootstrap", advertise_address: "203.0.113.10:4433", stun_port: 3478 });
    expect(r.config.backup).toEqual({ schedule: "02:30", retention: { count: 3, max_age_days: 30 }, target: "/mnt/usb" });
  });
});

// [what, file body, path that must appear, words the message must contain]
const invalid: Array<[string, string, string, string]> = [
  ["bad role", "maculaos:\n  mesh:\n    role: leader\n", "maculaos.mesh.role", "expected peer | gateway | bootstrap"],
  ["bootstrap without advertise_address", "maculaos:\n  mesh:\n    role: bootstrap\n", "maculaos.mesh.advertise_address", "required when role is bootstrap"],
  ["bad CIDR", "maculaos:\n  network:\n    interfaces:\n      - name: eth0\n        address: 192.168.1.300/24\n        gateway: 192.168.1.1\n", "maculaos.network.interfaces.0.address", "expected an IPv4 CIDR like 192.168.1.100/24"],
  ["address without prefix", "maculaos:\n  network:\n    interfaces:\n      - name: eth0\n        address: 192.168.1.100\n        gateway: 192.168.1.1\n", "maculaos.network.interfaces.0.address", "IPv4 CIDR"],
  ["dhcp and address together", "maculaos:\n  network:\n    interfaces:\n      - name: eth0\n        dhcp: true\n        address: 192.168.1.100/24\n", "maculaos.network.interfaces.0.address", "mutually exclusive"],
  ["static without gateway", "maculaos:\n  network:\n    interfaces:\n      - name: eth1\n        address: 10.0.0.2/8\n", "maculaos.network.interfaces.0.gateway", "required"],
  ["duplicate interface names", "maculaos:\n  network:\n    interfaces:\n      - {name: eth0, dhcp: true}\n      - {name: eth0, dhcp: true}\n", "maculaos.network.interfaces.1.name", "duplicate name"],
  ["bad port", "maculaos:\n  monitoring:\n    prometheus:\n      port: 70000\n", "maculaos.monitoring.prometheus.port", "expected a port number 1-65535"],
  ["port of the wrong type", "maculaos:\n  mesh:\n    stun_port: [3478]\n", "maculaos.mesh.stun_port", "expected a port number"],
  ["metrics path without a slash", "maculaos:\n  monitoring:\n    prometheus:\n      path: metrics\n", "maculaos.monitoring.prometheus.path", `starting with "/"`],
  ["unknown key typo", "maculaos:\n  mesh:\n    rolee: peer\n", "maculaos.mesh.rolee", "unknown key (expected one of: realm, role,"],
  ["unknown section", "maculaos:\n  netwrok: {}\n", "maculaos.netwrok", "unknown key"],
  ["bad schedule", "maculaos:\n  updates:\n    schedule: \"25:00\"\n", "maculaos.updates.schedule", `expected a 24-hour time "HH:MM"`],
  ["bad alert condition", "maculaos:\n  alerts:\n    - name: disk\n      condition: disk_usage >> 90%\n      topic: io.x.alerts\n", "maculaos.alerts.0.condition", "<metric> <op> <number>[%]"],
  ["unknown alert metric", "maculaos:\n  alerts:\n    - name: gpu\n      condition: gpu_usage > 90%\n      topic: io.x.alerts\n", "maculaos.alerts.0.condition", "disk_usage | memory_usage | cpu_usage | temperature | load"],
  ["alert without topic", "maculaos:\n  alerts:\n    - name: disk\n      condition: disk_usage > 90%\n", "maculaos.alerts.0.topic", "required"],
  ["bad alert duration", "maculaos:\n  alerts:\n    - {name: d, condition: load > 4, topic: io.x.a, for: 5 minutes}\n", "maculaos.alerts.0.for", "a duration like"],
  ["duplicate alert names", "maculaos:\n  alerts:\n    - {name: disk_full, condition: disk_usage > 90%, topic: io.x.a}\n    - {name: disk_full, condition: disk_usage > 95%, topic: io.x.b}\n", "maculaos.alerts.1.name", "duplicate name: the same as item 0"],
  ["the guide's placeholder ssh key", "maculaos:\n  ssh:\n    authorized_keys:\n      - ssh-ed25519 AAAA... user@example.com\n", "maculaos.ssh.authorized_keys.0", "placeholder"],
  ["ssh key whose blob type mismatches", `maculaos:\n  ssh:\n    authorized_keys:\n      - ${sshPublicKey("ed25519", "me@x", "ssh-rsa")}\n`, "maculaos.ssh.authorized_keys.0", "is a ssh-rsa key but the line says ssh-ed25519"],
  ["truncated ssh key", `maculaos:\n  ssh:\n    authorized_keys:\n      - ${sshPublicKey().split(" ")[0]} ${sshPublicKey().split(" ")[1]!.slice(0, 40)}\n`, "maculaos.ssh.authorized_keys.0", "truncated"],
  ["unknown ssh key type", `maculaos:\n  ssh:\n    authorized_keys:\n      - ssh-dss ${sshPublicKey().split(" ")[1]}\n`, "maculaos.ssh.authorized_keys.0", "expected an OpenSSH public key starting with one of ssh-ed25519"],
  ["bad hostname", "maculaos:\n  hostname: edge_node_01\n", "maculaos.hostname", "expected an RFC 1123 hostname"],
  ["bad realm", "maculaos:\n  mesh:\n    realm: MyCompany\n", "maculaos.mesh.realm", "reverse-DNS realm like io.mycompany"],
  ["bootstrap node without a port", "maculaos:\n  mesh:\n    bootstrap_nodes: [bootstrap.macula.io]\n", "maculaos.mesh.bootstrap_nodes.0", "expected host:port like bootstrap.macula.io:4433"],
  ["bad email in notify", "maculaos:\n  updates:\n    notify: admin-at-example.com\n", "maculaos.updates.notify", "expected an email address"],
  ["update server not http(s)", "maculaos:\n  updates:\n    server: ftp://updates.example.com\n", "maculaos.updates.server", "http(s) URL"],
  ["bad wireguard peer key", "maculaos:\n  mesh:\n    wireguard:\n      peers:\n        - public_key: \"abc...\"\n          endpoint: \"peer1.example.com:51820\"\n", "maculaos.mesh.wireguard.peers.0.public_key", "44-character base64 WireGuard public key"],
  ["wireguard enabled without a private key", "maculaos:\n  mesh:\n    wireguard:\n      enabled: true\n", "maculaos.mesh.wireguard.private_key", "required when wireguard is enabled"],
  ["bad firewall rule", "maculaos:\n  firewall:\n    allow: [8080/icmp]\n", "maculaos.firewall.allow.0", "expected a port/protocol rule like 8080/tcp"],
  ["bad logging format", "maculaos:\n  logging:\n    format: xml\n", "maculaos.logging.format", "expected json | text"],
  ["boolean given as a word", "maculaos:\n  security:\n    secure_boot: yes\n", "maculaos.security.secure_boot", "expected true or false"],
  ["section that is not a map", "maculaos:\n  mesh: peer\n", "maculaos.mesh", "expected a map, got a string"],
  ["top key not maculaos", "mesh:\n  role: peer\n", "mesh", `the file's only top key is "maculaos:"`],
  ["a list instead of a map", "- maculaos\n", "(top level)", `expected a map with the top key "maculaos:"`],
];

describe("config schema: invalid files name the path", () => {
  it.each(invalid)("%s", (_what, text, path, words) => {
    const problems = problemsOf(text);
    expect(problems.map((p) => p.path)).toContain(path);
    const problem = problems.find((p) => p.path === path)!;
    expect(problem.message).toContain(words);
    expect(problem.line).toBeGreaterThan(0);
  });

  it("has at least 15 invalid cases", () => expect(invalid.length).toBeGreaterThanOrEqual(15));

  it("names the file, line and column of a YAML syntax error", () => {
    const r = validate("maculaos:\n  mesh:\n    role: [peer\n  hostname: x\n");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]).toMatchObject({ path: "", file: "config.yaml", line: 4, column: 3 });
    expect(r.problems[0]!.message).toMatch(/^YAML syntax error: /);
  });

  it("lists every problem, located at its line", () => {
    const problems = problemsOf("maculaos:\n  hostname: -bad-\n  mesh:\n    role: leader\n  updates:\n    schedule: \"24:00\"\n");
    expect(problems).toEqual([
      { path: "maculaos.hostname", message: "expected an RFC 1123 hostname like edge-node-01", file: "config.yaml", line: 2, column: 13 },
      { path: "maculaos.mesh.role", message: "expected peer | gateway | bootstrap", file: "config.yaml", line: 4, column: 11 },
      { path: "maculaos.updates.schedule", message: `expected a 24-hour time "HH:MM" like "04:00"`, file: "config.yaml", line: 6, column: 15 },
    ]);
  });

  it("reports an unset ${VAR} once, at its path", () => {
    const r = validate('maculaos:\n  mesh:\n    wireguard:\n      enabled: true\n      private_key: "${WIREGUARD_PRIVATE_KEY}"\n', {});
    expect(r).toEqual({ ok: false, problems: [expect.objectContaining({ path: "maculaos.mesh.wireguard.private_key", message: expect.stringContaining("WIREGUARD_PRIVATE_KEY is not set"), line: 5 })] });
  });
});

describe("parseCondition", () => {
  it("parses thresholds and service_down", () => {
    expect(parseCondition("disk_usage > 90%")).toEqual({ kind: "threshold", metric: "disk_usage", op: ">", value: 90, percent: true });
    expect(parseCondition("load>=4.5")).toEqual({ kind: "threshold", metric: "load", op: ">=", value: 4.5, percent: false });
    expect(parseCondition("temperature == 80")).toMatchObject({ metric: "temperature", op: "==", value: 80 });
    expect(parseCondition("service_down")).toEqual({ kind: "service_down" });
    expect(parseCondition("service_down( myservice )")).toEqual({ kind: "service_down", service: "myservice" });
  });

  it.each(["disk_usage > ", "disk_usage ! 90", "gpu_usage > 1", "temperature > 80%", "memory_usage > 120%", "service_down()", "service_up", "disk_usage > 90% and load > 2"])("rejects %j", (text) => {
    expect(parseCondition(text)).toBeUndefined();
  });
});

describe("sshKeyProblem", () => {
  it("accepts real ed25519 and RSA keys, with or without a comment", () => {
    expect(sshKeyProblem(sshPublicKey())).toBeUndefined();
    expect(sshKeyProblem(sshPublicKey("ed25519").split(" ").slice(0, 2).join(" "))).toBeUndefined();
    expect(sshKeyProblem(sshPublicKey("rsa"))).toBeUndefined();
  });

  it("rejects an empty key blob and a blob of the wrong length", () => {
    expect(sshKeyProblem("ssh-ed25519")).toContain("not base64");
    const short = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from("ssh-ed25519"), Buffer.from([0, 0, 0, 4, 1, 2, 3, 4])]).toString("base64");
    expect(sshKeyProblem(`ssh-ed25519 ${short}`)).toContain("incomplete");
  });
});
