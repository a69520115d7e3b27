// Keeps the node's network services in step with config.yaml: at start it resumes a pending network change's revert
// and applies the firewall; after each config change (or restore, factory reset, repair) it re-renders the admin's
// authorized_keys, the WireGuard and mesh daemon configs, and re-applies the firewall when its rules changed.
// Interfaces are never applied from here: they change only through `network apply`, which reverts unless confirmed.
import { netTarget } from "../host/net-paths";
import { applyFirewall } from "../firewall/firewall";
import { MESH_UNIT, renderMeshFile, restartOnNode } from "../mesh/mesh";
import { WG_INTERFACE, writeWireguard } from "../mesh/wireguard";
import type { System } from "../system";
import { resumePending, stopNetwork } from "./apply";
import { writeAuthorizedKeys } from "./ssh";

/** Renders the files derived from the config (authorized_keys, wg0.conf, the mesh daemon's config); with `restart`,
 * restarts on a node the services whose file changed. */
async function renderFiles(sys: System, restart: boolean): Promise<void> {
  await writeAuthorizedKeys(sys);
  const wg = await writeWireguard(sys);
  const mesh = await renderMeshFile(sys);
  if (restart && wg) await restartOnNode(sys, `wg-quick@${WG_INTERFACE}.service`);
  if (restart && mesh) await restartOnNode(sys, MESH_UNIT);
}

/** The events after which config.yaml may say something else: a change, and the data state replaced wholesale (a
 * restore, a factory reset: the old owner's SSH keys must not outlive it, a repair from a known good copy). */
const CONFIG_CHANGES = new Set(["config.set", "config.save", "backup.restored", "recovery.factory", "recovery.repair"]);

/** Starts the network side of the appliance; returns the function that stops it (after the work in flight). */
export async function startNetwork(sys: System): Promise<() => Promise<void>> {
  await resumePending(sys);
  const live = (await netTarget(sys.root, sys.kind)).live;
  const sync = async (actor: string) => {
    await renderFiles(sys, true);
    if (live) await applyFirewall(sys, actor, false);
  };
  // A firewall that cannot be applied must not keep the dashboard from starting: it says why, and `firewall show` too.
  if (live) await applyFirewall(sys, "system").catch((error: unknown) => sys.log.error("the firewall could not be applied at start", { error }));
  // Nor may a file it cannot write (a missing home directory, say): the error names the file, the dashboard comes up.
  await renderFiles(sys, false).catch((error: unknown) => sys.log.error("the files derived from config.yaml could not be written at start", { error }));
  let inFlight: Promise<void> = Promise.resolve();
  const onEvent = (e: { action: string; outcome: string; actor: string }) => {
    if (CONFIG_CHANGES.has(e.action) && e.outcome === "ok") {
      const step = () => sync(e.actor).catch((error: unknown) => sys.log.error("config changed but the network services could not follow it", { error }));
      inFlight = inFlight.then(step);
    }
  };
  sys.events.on("event", onEvent);
  return async () => {
    sys.events.off("event", onEvent);
    stopNetwork(sys);
    await inFlight;
  };
}
