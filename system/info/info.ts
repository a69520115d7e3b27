// The facts a person wants first about a node: name, version, slot, uptime, resources, mesh role and realm.
import { bootedSlot, bootTime, systemVersion } from "../host/device";
import { machineUptime, readCpu, readDisk, readMemory } from "../host/resources";
import { setupPending } from "../setup/setup";
import type { System } from "../system";

/** Gathers the node's facts (`maculaos info`, the dashboard's first row). */
export async function getInfo(sys: System) {
  const config = sys.config.current();
  const [slot, version, cpu, memory, disk, pending] = await Promise.all([
    bootedSlot(sys.paths),
    systemVersion(sys.paths),
    readCpu(),
    readMemory(),
    readDisk(sys.paths.dataDir),
    setupPending(sys),
  ]);
  const bootedAt = await bootTime(sys.paths, sys.kind, machineUptime());
  return {
    hostname: config.hostname,
    version,
    slot,
    uptime: Math.max(0, Math.floor((Date.now() - bootedAt.getTime()) / 1000)),
    bootedAt: bootedAt.toISOString(),
    setup: pending ? ("pending" as const) : ("done" as const),
    device: sys.kind,
    mesh: { role: config.mesh.role, realm: config.mesh.realm },
    cpu,
    memory,
    disk,
  };
}

/** The shape `getInfo` returns. */
export type Info = Awaited<ReturnType<typeof getInfo>>;

/** The unauthenticated liveness probe: the database answers and the version is known. */
export async function probe(sys: System): Promise<{ ok: boolean; version: string }> {
  const ok = await sys.db.$queryRaw`SELECT 1`.then(() => true, () => false);
  return { ok, version: await systemVersion(sys.paths) };
}
