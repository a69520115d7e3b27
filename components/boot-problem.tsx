// The notice for a node whose boot state is unknown (neither copy of the GRUB env can be trusted), on the dashboard
// and the Updates page: what is wrong, what waits, and the way out.
import Link from "next/link";
import { Notice } from "./notice";

/** Says why the boot state is unknown and links to the repair that rebuilds it. */
export function BootProblemNotice({ problem }: { problem: string }) {
  return (
    <Notice tone="danger" title="The boot state is unknown" className="mb-4" id="boot-problem">
      {problem}. Updates and rollbacks wait until it is rebuilt: a healthy boot does that by itself, or{" "}
      <Link href="/recovery" className="underline">
        run a repair
      </Link>
      .
    </Notice>
  );
}
