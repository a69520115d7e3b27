// image/build's disk step: lays out a disk image file and writes it with the installer's own writeDisk().
//   node --import tsx image/write-disk.ts DISK IMAGE BOOTLOADER_DIR BOOT_MIB ROOT_MIB
import { stat } from "node:fs/promises";
import { writeDisk } from "../system/install/install";
import { planLayout } from "../system/install/layout";

const args = process.argv.slice(2);
if (args.length !== 5) throw new Error("usage: write-disk.ts DISK IMAGE BOOTLOADER_DIR BOOT_MIB ROOT_MIB");
const [disk, image, bootloader, bootMiB, rootMiB] = args as [string, string, string, string, string];
const partitions = planLayout((await stat(disk)).size, { bootMiB: Number(bootMiB), rootMiB: Number(rootMiB) });
if (!partitions) throw new Error(`${disk} is too small for the layout`);
const imageBytes = (await stat(image)).size;
const sha = await writeDisk({ disk, kind: "file", partitions, image, imageBytes, bootloader }, () => undefined);
console.log(`${disk}: ${partitions.map((p) => `${p.name}@${p.start}+${p.size}`).join(" ")} system sha256 ${sha}`);
