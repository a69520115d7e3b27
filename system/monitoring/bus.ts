// The node's local NATS bus, which the mesh node bridges to the mesh: alerts are published here. The connection is
// made on first use and kept (with reconnects); messages sent while it is down wait in a bounded queue.
import { connect, type NatsConnection } from "nats";
import type { Logger } from "../logging/logger";

/** Most messages kept while the bus is unreachable; older ones are dropped first (and counted). */
const MAX_QUEUED = 200;
const RETRY_MS = 2000;

/** Where the bus connection stands. */
export type BusState = "idle" | "connecting" | "connected" | "disconnected";

/** A publisher to one NATS URL. */
export class Bus {
  state: BusState = "idle";
  /** Messages dropped because the queue was full while the bus was down. */
  dropped = 0;
  private nc: NatsConnection | undefined;
  private connecting: Promise<void> | undefined;
  private readonly queue: { subject: string; data: Uint8Array }[] = [];
  private closed = false;
  private warned = false;

  constructor(
    readonly url: string,
    private readonly log: Logger,
  ) {}

  /** Publishes `payload` as JSON on `subject`; queued until the bus is reachable. */
  publish(subject: string, payload: unknown): void {
    const data = new TextEncoder().encode(JSON.stringify(payload));
    if (this.nc && !this.nc.isClosed()) {
      this.nc.publish(subject, data);
      return;
    }
    this.queue.push({ subject, data });
    if (this.queue.length > MAX_QUEUED) {
      this.queue.shift();
      this.dropped++;
    }
    this.connecting ??= this.open();
  }

  /** Resolves when everything published so far has reached the server (or at once when not connected). */
  async flush(): Promise<void> {
    if (this.nc && !this.nc.isClosed()) await this.nc.flush();
  }

  private async open(): Promise<void> {
    this.state = "connecting";
    try {
      const nc = await connect({ servers: this.url.replace(/^nats:\/\//, ""), name: "maculaos-appliance", maxReconnectAttempts: -1, reconnectTimeWait: 1000, timeout: 2000 });
      if (this.closed) return void (await nc.close());
      this.nc = nc;
      this.state = "connected";
      this.log.info("connected to the local bus", { url: this.url });
      for (const m of this.queue.splice(0)) nc.publish(m.subject, m.data);
      void (async () => {
        for await (const s of nc.status()) {
          if (s.type === "disconnect") this.state = "disconnected";
          if (s.type === "reconnect") this.state = "connected";
        }
      })();
    } catch (error) {
      this.state = "disconnected";
      if (this.closed) return;
      if (!this.warned) this.log.warn("the local bus is unreachable; alerts wait for it", { url: this.url, error: (error as Error).message });
      this.warned = true;
      setTimeout(() => {
        this.connecting = this.closed ? undefined : this.open();
      }, RETRY_MS).unref();
    }
  }

  /** Flushes and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
