// The runtime choice (crun needs a pure cgroup v2 hierarchy) and the OCI config a service runs with under crun.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { chooseRuntime, ociConfig } from "~/system/host/oci-runtime";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("runtime choice", () => {
  it("takes crun on a pure cgroup v2 hierarchy, the sandbox on a hybrid one or without crun", () => {
    dir = mkdtempSync(join(tmpdir(), "cgroup-"));
    const crun = join(dir, "crun");
    writeFileSync(crun, "");
    const cg = join(dir, "cg");
    mkdirSync(cg);
    expect(chooseRuntime(cg, [crun]).runtime).toBe("sandbox");
    writeFileSync(join(cg, "cgroup.controllers"), "cpu memory pids\n");
    expect(chooseRuntime(cg, [crun])).toEqual({ runtime: "crun", reason: "crun with a cgroup v2 hierarchy" });
    mkdirSync(join(cg, "unified"));
    expect(chooseRuntime(cg, [crun]).reason).toMatch(/hybrid/);
    expect(chooseRuntime(cg, [join(dir, "missing")]).reason).toBe("crun is not installed");
  });
});

describe("OCI config", () => {
  it("runs the process as its user in its own pid and mount namespaces on the host network, with the volume bound", () => {
    dir = mkdtempSync(join(tmpdir(), "oci-"));
    const c = ociConfig({ name: "web", argv: ["/bin/sh", "/run.sh"], env: { MACULA_REALM: "io.macula" }, workdir: "/srv", uid: 1000, gid: 100, mounts: [{ source: "/var/lib/maculaos/web", target: "/data", readOnly: false }, { source: "/dev/null", target: "/dev/null", readOnly: false }, { source: "/etc/hosts", target: "/etc/hosts", readOnly: true }] }) as {
      process: { args: string[]; env: string[]; cwd: string; user: { uid: number; gid: number } };
      mounts: Array<{ destination: string; type: string; source: string; options?: string[] }>;
      linux: { namespaces: Array<{ type: string }> };
    };
    expect(c.process).toMatchObject({ args: ["/bin/sh", "/run.sh"], env: ["MACULA_REALM=io.macula"], cwd: "/srv", user: { uid: 1000, gid: 100 } });
    expect(c.linux.namespaces.map((n) => n.type).sort()).toEqual(["ipc", "mount", "pid", "uts"]);
    expect(c.mounts.filter((m) => m.type === "bind")).toEqual([
      { destination: "/data", type: "bind", source: "/var/lib/maculaos/web", options: ["rbind", "rw"] },
      { destination: "/etc/hosts", type: "bind", source: "/etc/hosts", options: ["rbind", "ro"] },
    ]);
  });
});
