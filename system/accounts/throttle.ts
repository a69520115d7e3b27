// Login throttling: after too many failures in a window, a key (an address or a username) must wait.
import { AppError } from "../errors";

/** Counts failures per key in a sliding window and refuses keys over the limit. */
export class Throttle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 15 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /**
   * Counts one attempt against each key, or throws RATE_LIMITED (with the wait in seconds) when any key is already at
   * the limit. Counting before the slow check means concurrent attempts cannot all slip under the limit; a success
   * calls clear().
   */
  attempt(...keys: string[]): void {
    this.check(...keys);
    this.fail(...keys);
  }

  /** Throws RATE_LIMITED with the wait in seconds when any key is over the limit. */
  check(...keys: string[]): void {
    for (const key of keys) {
      const list = this.recent(key);
      if (list.length >= this.limit) {
        const wait = Math.ceil(((list[0] ?? 0) + this.windowMs - this.now()) / 1000);
        throw new AppError("RATE_LIMITED", `too many attempts, try again in ${wait} s`, { details: { retryAfter: wait } });
      }
    }
  }

  /** Records one failure against each key. */
  fail(...keys: string[]): void {
    for (const key of keys) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  /** Forgets the failures of each key (after a success). */
  clear(...keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }
}
