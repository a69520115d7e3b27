// `ssh.authorized_keys` written to the admin account's ~/.ssh/authorized_keys, atomically (old or new, never a mix).
import { ensureDir } from "../host/files";
import { runChecked } from "../host/command";
import { ADMIN_ACCOUNT, netPaths, writeNetFile } from "../host/net-paths";
import { dirname } from "node:path";
import type { System } from "../system";

/** Writes the configured keys (mode 0600, folder 0700; owned by the account on a node); returns how many it wrote. */
export async function writeAuthorizedKeys(sys: System): Promise<number> {
  const keys = sys.config.current().ssh.authorized_keys;
  const file = netPaths(sys.root).authorizedKeys;
  await ensureDir(dirname(file), 0o700);
  const changed = await writeNetFile(file, ["# Managed by MaculaOS from config.yaml (ssh.authorized_keys); edits here are replaced.", ...keys, ""].join("\n"), 0o600);
  if (changed && sys.kind === "node") await runChecked("chown", ["-R", "--", `${ADMIN_ACCOUNT}:${ADMIN_ACCOUNT}`, dirname(file)]);
  return keys.length;
}
