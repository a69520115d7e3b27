// A MaculaOS disk image under QEMU for the VM tests: TCG (no KVM here), q35, OVMF with its vars on snapshot=on, the
// disk on virtio, restricted user networking: the node's :9090 and :22 forwarded from loopback ports, and the update
// channel on the host's loopback reachable from the guest as CHANNEL_HOST:80; nothing else in or out. The serial console is kept as
// text; the initramfs line "maculaos: slot X from ..." marks each boot and which slot it used. "-cpu max": the
// appliance runs Prisma's WebAssembly with --liftoff-only, which needs SSE4.1 (QEMU's default CPU model lacks it).
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** The address the guest reaches the host's update channel at (QEMU forwards each connection to its loopback port). */
export const CHANNEL_HOST = "10.0.2.100";

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A running VM: its serial output, the boots seen on it, and a kill switch. */
export class Vm {
  serial = "";
  readonly port: number;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private waiters: (() => void)[] = [];

  constructor(
    readonly disk: string,
    port: number,
    private readonly net: { ssh: number; channel: number },
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.port = port;
  }

  /** The API's base URL on the host. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Powers the VM on (a new QEMU process; OVMF starts from its pristine vars). */
  start(): void {
    if (this.child) throw new Error("the VM is already running");
    const args = [
      "-accel", "tcg", "-machine", "q35", "-cpu", "max", "-m", "1024", "-smp", "1", "-nographic", "-monitor", "none", "-serial", "stdio",
      "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd",
      "-drive", "if=pflash,format=raw,unit=1,snapshot=on,file=/usr/share/OVMF/OVMF_VARS.fd",
      "-drive", `file=${this.disk},format=raw,if=virtio,cache=writeback`,
      // restrict=on: the guest reaches nothing outside (no NTP, no bootstrap nodes); only the forwards below exist.
      "-nic", `user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:${this.port}-:9090,hostfwd=tcp:127.0.0.1:${this.net.ssh}-:22,guestfwd=tcp:${CHANNEL_HOST}:80-cmd:busybox nc 127.0.0.1 ${this.net.channel}`,
    ];
    const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    let partial = "";
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      this.serial += text;
      partial += text;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) this.log(l.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, "").replace(/\r/g, ""));
      for (const w of this.waiters.splice(0)) w();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) this.child = null;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Pulls the plug: SIGKILL to QEMU, at whatever moment this is. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGKILL");
    await this.exited;
    this.child = null;
  }

  /** Waits until QEMU has exited by itself (the guest powered off); fails after `timeoutMs`. */
  async stopped(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`QEMU still runs after ${timeoutMs} ms`)), timeoutMs)));
    await Promise.race([this.exited, late]).finally(() => clearTimeout(timer));
    this.child = null;
  }

  /** Whether QEMU is running. */
  get running(): boolean {
    return this.child !== null;
  }

  /** The slots booted so far, in order, from the initramfs's line on the console. */
  boots(): string[] {
    return [...this.serial.matchAll(/maculaos: slot ([AB]) from/g)].map((m) => m[1]!);
  }

  /** Waits until the serial output, from character `from` on, matches `re`; returns the match. */
  async waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.serial.slice(from));
      if (m) return m;
      if (!this.child) throw new Error(`QEMU exited while waiting for ${re}; last output:\n${this.serial.slice(-2000)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${re}; last output:\n${this.serial.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
