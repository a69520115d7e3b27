// Releases and trust: a channel's manifest (version, arch, size, sha256, image URL, notes) signed with ed25519.
// `bin/maculaos-release` makes keys and signs; a node verifies against the public keys in <root>/etc/maculaos/keys/
// before it believes anything in a manifest, and long before it downloads a byte of the image.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { z } from "zod";
import { AppError } from "../errors";

/** The signed part of a release: what the node installs and how to check it. */
export const manifestSchema = z.strictObject({
  version: z.string().regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, "a version like 1.2.3"),
  channel: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "a channel name like stable"),
  arch: z.enum(["x86_64", "aarch64"]),
  size: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in hex"),
  url: z.string().min(1),
  notes: z.string().max(20_000),
});

/** A release manifest. */
export type Manifest = z.infer<typeof manifestSchema>;

/** The file `<channel>.json`: the manifest exactly as signed, and the signature. */
const signedSchema = z.strictObject({ manifest: z.string(), signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/) });

/** A new ed25519 key pair, PEM encoded. */
export function generateReleaseKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey: privateKey.export({ format: "pem", type: "pkcs8" }).toString(), publicKey: publicKey.export({ format: "pem", type: "spki" }).toString() };
}

/** Signs a manifest with a PEM private key; returns the `<channel>.json` text. */
export function signManifest(manifest: Manifest, privateKeyPem: string): string {
  const text = JSON.stringify(manifestSchema.parse(manifest));
  const signature = sign(null, Buffer.from(text), createPrivateKey(privateKeyPem)).toString("base64");
  return `${JSON.stringify({ manifest: text, signature }, null, 2)}\n`;
}

/** Parses a PEM public key; INVALID_INPUT naming `source` when it is not an ed25519 key. */
export function parsePublicKey(pem: string, source: string): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType === "ed25519") return key;
  } catch {
    // reported below
  }
  throw new AppError("INVALID_INPUT", `${source} is not an ed25519 public key in PEM form`);
}

/**
 * Verifies a `<channel>.json` text against trusted keys and returns the manifest; INTEGRITY_FAILED when the file is
 * malformed, no trusted key made the signature, or the signed manifest is not a valid one.
 */
export function verifyRelease(text: string, trusted: KeyObject[]): Manifest {
  if (trusted.length === 0) throw new AppError("INTEGRITY_FAILED", "no trusted release keys in etc/maculaos/keys: refusing every release");
  let file: z.infer<typeof signedSchema>;
  try {
    file = signedSchema.parse(JSON.parse(text));
  } catch {
    throw new AppError("INTEGRITY_FAILED", "the release manifest is not a signed MaculaOS manifest");
  }
  const signature = Buffer.from(file.signature, "base64");
  if (!trusted.some((key) => verify(null, Buffer.from(file.manifest), key, signature))) {
    throw new AppError("INTEGRITY_FAILED", "the release manifest's signature does not verify with any trusted key");
  }
  const manifest = manifestSchema.safeParse(JSON.parse(file.manifest));
  if (!manifest.success) throw new AppError("INTEGRITY_FAILED", `the signed manifest is invalid: ${manifest.error.issues[0]?.path.join(".")}: ${manifest.error.issues[0]?.message}`);
  return manifest.data;
}

/** Compares versions like 1.2.3 and 1.2.3-rc.1 (a pre-release sorts before its release); negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = "", pre] = v.split(/[-+]/, 2);
    return { nums: core.split(".").map(Number), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}
