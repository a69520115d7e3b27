// A process that opens the device at argv[2] and restores the backup argv[3], printing "ready" once open: the
// kill -9 test kills it at a random moment of the restore.
import { restoreBackup } from "~/system/backup/restore";
import { createLogger } from "~/system/logging/logger";
import { openSystem } from "~/system/system";

const [root, file, migrationsDir] = process.argv.slice(2) as [string, string, string];
const sys = await openSystem({ root, env: {}, migrationsDir, version: "0.1.0", log: createLogger("child", "error", () => undefined) });
process.stdout.write("ready\n");
await restoreBackup(sys, file);
process.stdout.write("restored\n");
await sys.close();
