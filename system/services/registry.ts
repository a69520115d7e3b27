// A client for the OCI distribution API: references, image indexes and manifest lists (picks linux/<arch>), Docker v2
// and OCI media types, bearer-token and basic auth with credentials from config (`registries:`), and a digest check
// on every blob while it streams to disk.
import { createHash } from "node:crypto";
import type { Writable } from "node:stream";
import { AppError } from "../errors";

/** A parsed image reference such as ghcr.io/mycompany/myservice:latest or registry.local:5000/app@sha256:... */
export interface ImageRef {
  registry: string;
  repository: string;
  tag: string;
  digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** Parses an image reference; the registry defaults to Docker Hub, the tag to latest. */
export function parseImageRef(text: string): ImageRef {
  const bad = (why: string) => new AppError("INVALID_INPUT", `bad image reference ${JSON.stringify(text)}: ${why}`);
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad("the digest must be sha256:<64 hex digits>");
  }
  let tag = "latest";
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw bad("bad tag");
  }
  const parts = rest.split("/");
  let registry = "docker.io";
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0] ?? "")) registry = parts.shift() ?? registry;
  if (registry === "docker.io" && parts.length === 1) parts.unshift("library");
  if (!parts.length || !parts.every((p) => COMPONENT.test(p))) throw bad("the repository must be lowercase path components like mycompany/myservice");
  return { registry, repository: parts.join("/"), tag, ...(digest ? { digest } : {}) };
}

/** The reference written back as text. */
export const formatRef = (r: ImageRef) => `${r.registry}/${r.repository}${r.digest ? `@${r.digest}` : `:${r.tag}`}`;

/** Credentials for one registry host. */
export interface Credentials {
  username?: string | undefined;
  password?: string | undefined;
}

/** A content descriptor of a manifest or a blob. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** An image manifest (Docker v2 schema 2 or OCI). */
export interface Manifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** The image configuration blob, as far as running it goes. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null; WorkingDir?: string; User?: string; ExposedPorts?: Record<string, unknown>; Volumes?: Record<string, unknown> | null };
}

const INDEX_TYPES = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];
const MANIFEST_TYPES = ["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"];
/** The layer media types this client unpacks (gzip or plain tar). */
export const LAYER_TYPES = ["application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar", "application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.docker.image.rootfs.diff.tar"];

/** The OCI architecture of this machine (amd64, arm64, arm/v7...). */
export function hostPlatform(arch: string = process.arch): { architecture: string; variant?: string } {
  if (arch === "x64") return { architecture: "amd64" };
  if (arch === "arm64") return { architecture: "arm64" };
  if (arch === "arm") return { architecture: "arm", variant: "v7" };
  if (arch === "ia32") return { architecture: "386" };
  return { architecture: arch };
}

const isLoopback = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);

/** Talks to one registry for one repository, keeping the bearer token it earned. */
export class RegistryClient {
  private authorization: string | undefined;
  readonly base: string;

  constructor(
    readonly ref: ImageRef,
    private readonly creds: Credentials | undefined,
  ) {
    const host = ref.registry === "docker.io" ? "registry-1.docker.io" : ref.registry;
    this.base = `${isLoopback(host) ? "http" : "https"}://${host}/v2/${ref.repository}`;
  }

  private basic(): string | undefined {
    const { username, password } = this.creds ?? {};
    return username === undefined ? undefined : `Basic ${Buffer.from(`${username}:${password ?? ""}`).toString("base64")}`;
  }

  /** Answers a 401 challenge: a bearer token from the realm (with basic credentials when configured), or basic auth. */
  private async authenticate(challenge: string, what: string): Promise<void> {
    const scheme = challenge.split(" ", 1)[0]?.toLowerCase();
    if (scheme === "basic") {
      const basic = this.basic();
      if (!basic) throw new AppError("UNAUTHENTICATED", `${this.ref.registry} wants a user name and password for ${what}; add them under registries: in the config`);
      this.authorization = basic;
      return;
    }
    if (scheme !== "bearer") throw new AppError("UNAVAILABLE", `${this.ref.registry} asked for an unsupported authentication scheme: ${challenge}`);
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!params.realm) throw new AppError("UNAVAILABLE", `${this.ref.registry} sent a bearer challenge without a realm`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", params.scope ?? `repository:${this.ref.repository}:pull`);
    const basic = this.basic();
    const res = await fetch(url, { headers: basic ? { authorization: basic } : {}, signal: AbortSignal.timeout(30_000) });
    if (res.status === 401 || res.status === 403) throw new AppError("UNAUTHENTICATED", `${url.host} refused the credentials for ${this.ref.registry} (${res.status})`);
    if (!res.ok) throw new AppError("UNAVAILABLE", `the token service ${url.host} answered ${res.status}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new AppError("UNAVAILABLE", `the token service ${url.host} sent no token`);
    this.authorization = `Bearer ${token}`;
  }

  /** GET with auth; retries once after answering a 401 challenge. */
  private async get(path: string, accept: string[], what: string, extra: Record<string, string> = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { accept: accept.join(", "), ...extra };
      if (this.authorization) headers.authorization = this.authorization;
      let res: Response;
      try {
        res = await fetch(`${this.base}${path}`, { headers, signal: AbortSignal.timeout(3_600_000) });
      } catch (e) {
        throw new AppError("UNAVAILABLE", `cannot reach ${this.ref.registry}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`, { cause: e });
      }
      if (res.status === 401 && attempt === 0) {
        await res.body?.cancel();
        await this.authenticate(res.headers.get("www-authenticate") ?? "", what);
        continue;
      }
      if (res.ok) return res;
      await res.body?.cancel();
      if (res.status === 401 || res.status === 403) throw new AppError("UNAUTHENTICATED", `${this.ref.registry} refused access to ${what} (${res.status}); check the credentials under registries: in the config`);
      if (res.status === 404) throw new AppError("NOT_FOUND", `${this.ref.registry} has no ${what}`);
      throw new AppError("UNAVAILABLE", `${this.ref.registry} answered ${res.status} for ${what}`);
    }
  }

  /** Fetches a manifest or index by tag or digest; checks the digest when one is asked for. Returns it with its digest. */
  async manifest(reference: string): Promise<{ body: Record<string, unknown>; mediaType: string; digest: string }> {
    const what = `manifest ${this.ref.repository}:${reference}`;
    const res = await this.get(`/manifests/${reference}`, [...INDEX_TYPES, ...MANIFEST_TYPES], what);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    if (DIGEST.test(reference) && digest !== reference) throw new AppError("INTEGRITY_FAILED", `${what}: the registry sent content with digest ${digest}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
    } catch {
      throw new AppError("INTEGRITY_FAILED", `${what} is not JSON`);
    }
    const mediaType = (body.mediaType as string | undefined) ?? res.headers.get("content-type")?.split(";")[0] ?? "";
    return { body, mediaType, digest };
  }

  /** Resolves the reference to the image manifest for linux/<arch>, following an index or manifest list. */
  async resolve(platform = hostPlatform()): Promise<{ manifest: Manifest; digest: string; indexDigest?: string }> {
    const top = await this.manifest(this.ref.digest ?? this.ref.tag);
    if (INDEX_TYPES.includes(top.mediaType) || Array.isArray(top.body.manifests)) {
      const list = (top.body.manifests ?? []) as Descriptor[];
      const fits = list.filter((m) => m.platform?.os === "linux" && m.platform.architecture === platform.architecture);
      const pick = fits.find((m) => !platform.variant || m.platform?.variant === platform.variant) ?? fits[0];
      if (!pick) {
        const offered = list.map((m) => `${m.platform?.os}/${m.platform?.architecture}${m.platform?.variant ? `/${m.platform.variant}` : ""}`).join(", ");
        throw new AppError("NOT_FOUND", `${formatRef(this.ref)} has no image for linux/${platform.architecture} (it offers ${offered || "nothing"})`);
      }
      const inner = await this.manifest(pick.digest);
      return { manifest: checkManifest(inner.body, formatRef(this.ref)), digest: inner.digest, indexDigest: top.digest };
    }
    return { manifest: checkManifest(top.body, formatRef(this.ref)), digest: top.digest };
  }

  /** Streams a blob into `sink`, hashing as it goes; ends the sink only when the digest and size match, and destroys it with the error when they do not. */
  async blob(d: Descriptor, sink: Writable, onBytes?: (n: number) => void): Promise<void> {
    const what = `blob ${d.digest}`;
    try {
      const res = await this.get(`/blobs/${d.digest}`, ["*/*"], what);
      if (!res.body) throw new AppError("UNAVAILABLE", `${this.ref.registry} sent no data for ${what}`);
      const hash = createHash("sha256");
      let size = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        size += chunk.length;
        if (sink.destroyed) throw new AppError("IO_FAILED", `${what}: unpacking stopped`);
        if (!sink.write(chunk)) await drained(sink);
        onBytes?.(chunk.length);
      }
      const got = `sha256:${hash.digest("hex")}`;
      if (got !== d.digest) throw new AppError("INTEGRITY_FAILED", `${formatRef(this.ref)}: ${what} does not match its digest (the registry sent ${got}); nothing was installed`);
      if (size !== d.size) throw new AppError("INTEGRITY_FAILED", `${formatRef(this.ref)}: ${what} is ${size} bytes, the manifest says ${d.size}`);
      sink.end();
    } catch (e) {
      sink.destroy(e as Error);
      throw e;
    }
  }

  /** The uncompressed size of a gzip blob modulo 2^32 (gzip's trailer ISIZE, its last four bytes, fetched with a
   * Range request), or null when the registry does not serve ranges. */
  async gzipSize(d: Descriptor): Promise<number | null> {
    if (d.size < 18) return null; // smaller than any gzip member
    const res = await this.get(`/blobs/${d.digest}`, ["*/*"], `blob ${d.digest}`, { range: `bytes=${d.size - 4}-${d.size - 1}` });
    const bytes = res.status === 206 ? Buffer.from(await res.arrayBuffer()) : (await res.body?.cancel(), null);
    return bytes?.length === 4 ? bytes.readUInt32LE(0) : null;
  }

  /** Fetches and parses a small JSON blob (the image config), checking its digest. */
  async configBlob(d: Descriptor): Promise<ImageConfig> {
    const res = await this.get(`/blobs/${d.digest}`, ["*/*"], `config ${d.digest}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (`sha256:${createHash("sha256").update(bytes).digest("hex")}` !== d.digest) throw new AppError("INTEGRITY_FAILED", `${formatRef(this.ref)}: the image config does not match its digest ${d.digest}`);
    return JSON.parse(bytes.toString("utf8")) as ImageConfig;
  }
}

/** Waits until `sink` takes more data (or is closed: the caller then sees `destroyed`). */
function drained(sink: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      sink.off("drain", done).off("close", done).off("error", done);
      resolve();
    };
    sink.on("drain", done).on("close", done).on("error", done);
  });
}

/** Checks that a manifest is an image manifest with a config and layers this client can unpack. */
function checkManifest(body: Record<string, unknown>, ref: string): Manifest {
  const m = body as unknown as Manifest;
  if (!m.config?.digest || !Array.isArray(m.layers)) throw new AppError("INTEGRITY_FAILED", `${ref}: not an image manifest`);
  for (const l of m.layers) {
    if (!DIGEST.test(l.digest)) throw new AppError("INTEGRITY_FAILED", `${ref}: layer digest ${l.digest} is not sha256`);
    if (!LAYER_TYPES.includes(l.mediaType)) throw new AppError("INVALID_INPUT", `${ref}: layer ${l.digest} has media type ${l.mediaType}; supported: gzip or plain tar layers`);
  }
  return m;
}
