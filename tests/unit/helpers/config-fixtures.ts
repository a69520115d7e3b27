// Test fixtures for config tests: real OpenSSH public keys built with node:crypto, and temporary device roots.
import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** An SSH wire-format string: a 4-byte big-endian length, then the bytes. */
function field(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}
/** An SSH mpint from a big-endian unsigned integer (a leading zero byte when the top bit is set). */
const mpint = (b: Buffer) => field(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);

/** A real OpenSSH public key line; `blobType` lets a test declare one type but embed another. */
export function sshPublicKey(kind: "ed25519" | "rsa" = "ed25519", comment = "user@example.com", blobType?: string): string {
  if (kind === "rsa") {
    const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "jwk" });
    const blob = Buffer.concat([field(Buffer.from(blobType ?? "ssh-rsa")), mpint(Buffer.from(jwk.e!, "base64url")), mpint(Buffer.from(jwk.n!, "base64url"))]);
    return `ssh-rsa ${blob.toString("base64")} ${comment}`;
  }
  const jwk = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
  const blob = Buffer.concat([field(Buffer.from(blobType ?? "ssh-ed25519")), field(Buffer.from(jwk.x!, "base64url"))]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}

/** A random 32-byte WireGuard key in its 44-character base64 form. */
export const wgKey = (): string => Buffer.from(generateKeyPairSync("x25519").publicKey.export({ format: "jwk" }).x!, "base64url").toString("base64");

const roots: string[] = [];

/** A fresh temporary device root; `files` maps root-relative paths to their contents. */
export async function tempRoot(files: Record<string, string> = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "maculaos-config-"));
  roots.push(root);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
  return root;
}

/** The guide's network section, indented under `maculaos:`: DHCP on eth0, with the guide's commented static-IP example. */
export const GUIDE_NETWORK = `  network:
    interfaces:
      - name: eth0
        dhcp: true
      # Static IP example:
      # - name: eth0
      #   address: 192.168.1.100/24
      #   gateway: 192.168.1.1
`;

/** The start of the guide's mesh section, indented under `maculaos:`: realm, role (with its trailing comment) and one bootstrap node. */
export const GUIDE_MESH = `  mesh:
    realm: io.mycompany
    role: peer              # peer | gateway | bootstrap
    bootstrap_nodes:
      - bootstrap.macula.io:4433
`;

/** Root-relative path of the main config file. */
export const CONFIG = "var/lib/maculaos/config.yaml";
/** Root-relative path of a drop-in. */
export const dropIn = (name: string): string => `var/lib/maculaos/config.d/${name}`;

/** Removes every root tempRoot made (call from afterAll). */
export async function removeTempRoots(): Promise<void> {
  await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
}
