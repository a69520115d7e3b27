// The facts a person wants first about a node: name, version, slot, uptime, resources, mesh role and realm.
import { readBootStateOrProblem } from "../boot/boot-env";
import { viewBoot, type BootView } from "../boot/lifecycle";
import { bootedSlot, bootTime, systemVersion } from "../host/device";
import { machineUptime, memoize, readCpu, readDisk, readMemory } from "../host/resources";
import { setupPending } from "../setup/setup";
import type { System } from "../system";

/** The boot facts: the slot that runs, the boot state (null when neither copy of the GRUB env can be trusted, with
 * the reason in `bootProblem`: the rest of the facts still show), the version and the boot time. */
interface BootFacts {
  slot: "A" | "B";
  boot: BootView | null;
  bootProblem: string | null;
  version: string;
  bootedAt: Date;
}

/** Events of the actions that write the boot state (each is recorded after its write). */
const BOOT_WRITERS = /^(boot\.|system\.reboot$|update\.apply$|recovery\.)/;

const samplers = new WeakMap<System, () => Promise<[Awaited<ReturnType<typeof readCpu>>, Awaited<ReturnType<typeof readMemory>>, Awaited<ReturnType<typeof readDisk>>, BootFacts]>>();

/** Resource and boot facts, read at most once a second however many clients ask. */
function sampler(sys: System) {
  let s = samplers.get(sys);
  if (!s) {
    const boot = async (): Promise<BootFacts> => {
      const slot = await bootedSlot(sys.paths);
      const { state, problem } = await readBootStateOrProblem(sys.paths);
      return { slot, boot: state && viewBoot(state, slot), bootProblem: problem, version: await systemVersion(sys.paths), bootedAt: await bootTime(sys.paths, sys.kind, machineUptime()) };
    };
    const sample = memoize(1000, () => Promise.all([readCpu(), readMemory(), readDisk(sys.paths.dataDir), boot()]));
    // Everything that writes the boot state (commit, rollback, reboot, an update's apply, a repair) records its event
    // after the write: show the new state at once.
    sys.events.on("event", (e) => BOOT_WRITERS.test(e.action) && sample.forget());
    samplers.set(sys, (s = sample));
  }
  return s();
}

/** The bootloader's last fall back from a failed update, until an update is committed after it; or null. */
async function lastRollback(sys: System): Promise<{ at: Date; detail: string } | null> {
  const [[fallback], commits] = await Promise.all([sys.events.list(1, "boot.rollback").then((l) => l.filter((e) => e.actor === "system")), sys.events.list(20, "boot.commit")]);
  if (!fallback || commits.some((c) => c.outcome === "ok" && c.id > fallback.id)) return null;
  return { at: fallback.at, detail: fallback.detail ?? "" };
}

/** Gathers the node's facts (`maculaos info`, the dashboard's first row). */
export async function getInfo(sys: System) {
  const config = sys.config.current();
  const [[cpu, memory, disk, { slot, boot, bootProblem, version, bootedAt }], pending, rollback] = await Promise.all([sampler(sys), setupPending(sys), lastRollback(sys)]);
  return {
    hostname: config.hostname,
    version,
    slot,
    boot,
    /** Why the boot state is unknown (neither copy of the GRUB env can be trusted; repair rebuilds it), or null. */
    bootProblem,
    uptime: Math.max(0, Math.floor((Date.now() - bootedAt.getTime()) / 1000)),
    bootedAt: bootedAt.toISOString(),
    setup: pending ? ("pending" as const) : ("done" as const),
    device: sys.kind,
    /** "recovery" when booted with maculaos.mode=recovery: no services, schedulers or boot commit. */
    mode: sys.mode,
    /** Why config.yaml on disk is not in force (it failed validation), or null. */
    configProblem: sys.config.problem,
    /** The last automatic rollback from a failed update, until a later update is committed. */
    rollback,
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
