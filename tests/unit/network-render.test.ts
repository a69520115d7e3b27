// The pure parts of the network side: firewall rules per role and their nftables text, networkd/timesyncd files,
// WireGuard config, resolv.conf parsing and host:port splitting.
import { describe, expect, it } from "vitest";
import { configFileSchema, type MaculaConfig } from "~/system/config/schema";
import { firewallRules, parsePortSpec, renderRuleset } from "~/system/firewall/rules";
import { splitHostPort } from "~/system/mesh/probe";
import { renderWireguard } from "~/system/mesh/wireguard";
import { renderNetwork, settingsOf } from "~/system/network/apply";
import { parseResolvConf } from "~/system/network/status";

const config = (maculaos: Record<string, unknown>): MaculaConfig => configFileSchema.parse({ maculaos }).maculaos;
const ports = (c: MaculaConfig) => firewallRules(c).map((r) => `${r.action === "drop" ? "!" : ""}${r.port}/${r.proto}`);

describe("firewall rules", () => {
  it("opens the dashboard, ssh and metrics for a peer, and no mesh port", () => {
    expect(ports(config({}))).toEqual(["9090/tcp", "22/tcp", "9100/tcp"]);
    expect(ports(config({ monitoring: { prometheus: { enabled: false } } }))).toEqual(["9090/tcp", "22/tcp"]);
  });

  it("opens the bootstrap port (from advertise_address) and the gateway's QUIC, STUN and TURN ports", () => {
    expect(ports(config({ mesh: { role: "bootstrap", advertise_address: "203.0.113.10:5443" } }))).toContain("5443/udp");
    const gw = ports(config({ mesh: { role: "gateway", stun_port: 3478, turn_port: 3479 } }));
    expect(gw).toEqual(expect.arrayContaining(["4433/udp", "3478/udp", "3478/tcp", "3479/udp", "3479/tcp"]));
  });

  it("puts denies before the defaults but never before the dashboard, and skips allows already open", () => {
    const c = config({ firewall: { allow: ["22/tcp", "8080/tcp"], deny: ["22/tcp", "9090/tcp"] } });
    expect(ports(c)).toEqual(["9090/tcp", "!22/tcp", "22/tcp", "9100/tcp", "8080/tcp"]);
    const text = renderRuleset(firewallRules(c));
    expect(text).toMatch(/policy drop;/);
    expect(text.indexOf("tcp dport 9090 accept")).toBeLessThan(text.indexOf("tcp dport 22 drop"));
    expect(text).toContain('tcp dport 8080 accept comment "firewall allow 8080/tcp"');
  });

  it("parses PORT/PROTO and refuses anything else", () => {
    expect(parsePortSpec(" 3478/udp ")).toEqual({ port: 3478, proto: "udp" });
    for (const bad of ["0/tcp", "65536/tcp", "80", "80/icmp", "80/tcp; flush ruleset"]) expect(() => parsePortSpec(bad)).toThrow(/PORT\/PROTOCOL/);
  });
});

describe("rendered files", () => {
  it("writes networkd files for DHCP and static interfaces and the timesyncd servers", () => {
    const c = config({ network: { interfaces: [{ name: "eth0", dhcp: true }, { name: "eth1", address: "192.168.1.100/24", gateway: "192.168.1.1", dns: ["192.168.1.1"] }] }, ntp: { servers: ["a.pool.ntp.org", "10.0.0.1"] } });
    const r = renderNetwork(settingsOf(c));
    expect(r.networkd["10-maculaos-eth0.network"]).toMatch(/\[Match\]\nName=eth0\n\n\[Network\]\nDHCP=yes/);
    expect(r.networkd["10-maculaos-eth1.network"]).toContain("Address=192.168.1.100/24\nGateway=192.168.1.1\nDNS=192.168.1.1");
    expect(r.timesyncd).toContain("NTP=a.pool.ntp.org 10.0.0.1");
  });

  it("renders wg0.conf only when WireGuard is enabled", () => {
    const key = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
    expect(renderWireguard(config({}))).toBeNull();
    const text = renderWireguard(config({ mesh: { wireguard: { enabled: true, private_key: key, peers: [{ public_key: key, endpoint: "peer1.example.com:51820" }] } } }));
    expect(text).toContain(`PrivateKey = ${key}\nListenPort = 51820`);
    expect(text).toContain("[Peer]\nPublicKey = ");
  });

  it("reads resolv.conf and splits host:port", () => {
    expect(parseResolvConf("# c\nnameserver 1.1.1.1\nnameserver ::1\nsearch lan corp\n")).toEqual({ nameservers: ["1.1.1.1", "::1"], search: ["lan", "corp"] });
    expect(splitHostPort("[2001:db8::1]:4433")).toEqual({ host: "2001:db8::1", port: 4433 });
    expect(splitHostPort("bootstrap.macula.io")).toEqual({ host: "bootstrap.macula.io", port: null });
  });
});
